import { parseMinewBatch } from './minew.format';

const NOW = Date.UTC(2026, 10, 25, 10, 0, 0);
const UUID = 'E2C56DB5-DFFB-48D2-B060-D0F5A71096E0';
const RAW_IBEACON = '0201061AFF4C000215E2C56DB5DFFB48D2B060D0F5A71096E0000A0014C5';
const gateway = {
  type: 'Gateway',
  mac: 'AC233FC0A1B2',
  gatewayFree: 94,
  gatewayLoad: 0.31,
  timestamp: '2026-11-25T09:59:59.000Z',
};

describe(parseMinewBatch.name, () => {
  it('reads a G1 array: gateway element, a decoded iBeacon and a raw advertiser', () => {
    const sut = parseMinewBatch(
      [
        gateway,
        {
          timestamp: '2026-11-25T09:59:58.250Z',
          type: 'iBeacon',
          mac: 'AC233FA01234',
          bleName: 'Pump-7',
          ibeaconUuid: UUID,
          ibeaconMajor: 100,
          ibeaconMinor: 7,
          ibeaconTxPower: -59,
          rssi: -67,
          battery: 88,
        },
        {
          timestamp: '2026-11-25T09:59:58.500Z',
          type: 'Unknown',
          mac: 'ac:23:3f:a0:99:01',
          rssi: -80,
          rawData: RAW_IBEACON,
        },
        {
          timestamp: '2026-11-25T09:59:58.750Z',
          type: 'Unknown',
          mac: 'AC233FA09902',
          rssi: -90,
          rawData: '0201060303AAFE',
        },
      ],
      NOW,
    );

    expect(sut.problems).toEqual([]);
    expect(sut.deviceSeenAt).toBe(NOW - 1000);
    expect(sut.observations).toEqual([
      {
        tagId: `IBEACON:${UUID}:100:7`,
        tech: 'ble',
        antenna: null,
        rssi: -67,
        seenAt: NOW - 1750,
        txPower: -59,
        telemetry: { batteryPercent: 88 },
      },
      { tagId: `IBEACON:${UUID}:10:20`, tech: 'ble', antenna: null, rssi: -80, seenAt: NOW - 1500, txPower: -59 },
      { tagId: 'MAC:AC:23:3F:A0:99:02', tech: 'ble', antenna: null, rssi: -90, seenAt: NOW - 1250 },
    ]);
  });

  it('takes a lower-case UUID without dashes and reads local times in the site zone', () => {
    const sut = parseMinewBatch(
      [
        { type: 'Gateway', mac: 'AC233FC0A1B2' },
        {
          timestamp: '2026-11-25T10:59:58.000',
          type: 'iBeacon',
          mac: 'AC233FA01234',
          ibeaconUuid: UUID.replace(/-/g, '').toLowerCase(),
          ibeaconMajor: 1,
          ibeaconMinor: 2,
          rssi: -60,
        },
      ],
      NOW,
      { siteTimeZone: 'Europe/Paris' },
    );
    expect(sut.problems).toEqual([]);
    expect(sut.deviceSeenAt).toBeNull();
    expect(sut.observations).toEqual([
      { tagId: `IBEACON:${UUID}:1:2`, tech: 'ble', antenna: null, rssi: -60, seenAt: NOW - 2000 },
    ]);
  });

  it('proves the gateway alive from a gateway-only array', () => {
    const sut = parseMinewBatch([gateway], NOW);
    expect(sut).toMatchObject({ observations: [], problems: [], deviceSeenAt: NOW - 1000 });
  });

  it('names problems by item and field, and rejects the batch', () => {
    const sut = parseMinewBatch(
      [
        gateway,
        { type: 'Unknown', mac: 'nope', rssi: -60 },
        { type: 'Unknown', mac: 'AC233FA01234', rssi: -500, rawData: '0201' },
        { type: 'iBeacon', rssi: -60, timestamp: '2026-11-25T09:59:58' },
        { type: 'Unknown', mac: 'AC233FA01234', rawData: '0' },
        { type: 'Unknown', mac: 'AC233FA01234', timestamp: '2026-11-25T11:00:00Z' },
      ],
      NOW,
    );
    expect(sut.observations).toEqual([]);
    expect(sut.problems.map((p) => p.field)).toEqual([
      'items[1].mac',
      'items[2].rssi',
      'items[3].timestamp',
      'items[4].rawData',
      'items[5].timestamp',
    ]);
  });
});
