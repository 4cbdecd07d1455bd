import { cassiaInstant, parseCassiaBatch } from './cassia.format';

const NOW = Date.UTC(2026, 10, 25, 10, 0, 0);
const UUID = 'E2C56DB5-DFFB-48D2-B060-D0F5A71096E0';
const IBEACON = '0201061AFF4C000215E2C56DB5DFFB48D2B060D0F5A71096E000050006C5';

const record = (extra: Record<string, unknown> = {}) => ({
  bdaddrs: [{ bdaddr: 'CC:1B:E0:E2:8F:A1', bdaddrType: 'public' }],
  evtType: 0,
  rssi: -58,
  adData: IBEACON,
  ...extra,
});

describe(parseCassiaBatch.name, () => {
  it('reads SSE data lines, skipping comments and other fields', () => {
    const sut = parseCassiaBatch(
      [
        ':keep-alive',
        'event: scan',
        `data: ${JSON.stringify(record())}`,
        // The documented example with a space inside the hex; scan response with the name.
        `data: ${JSON.stringify(record({ bdaddrs: [{ bdaddr: 'CC:1B:E0:E2:8F:A2', bdaddrType: 'random' }], adData: '02010603 03AAFE', scanData: '0509544147', name: 'TAG' }))}`,
        'id: 7',
      ],
      NOW,
    );
    expect(sut.problems).toEqual([]);
    expect(sut.observations).toEqual([
      {
        tagId: `IBEACON:${UUID}:5:6`,
        tech: 'ble',
        antenna: null,
        rssi: -58,
        seenAt: NOW,
        txPower: -59,
        telemetry: { addressType: 'public' },
      },
      // The gateway says the address is random: noted, since such an address changes over time.
      {
        tagId: 'MAC:CC:1B:E0:E2:8F:A2',
        tech: 'ble',
        antenna: null,
        rssi: -58,
        seenAt: NOW,
        telemetry: { addressType: 'random' },
      },
    ]);
  });

  it('reads the controller renames (bdad, evt_type, ap) from a JSON array, with a local time', () => {
    const sut = parseCassiaBatch(
      [
        {
          bdaddrs: [{ bdad: 'cc1be0e28fa3', bdaddrType: 'public' }],
          evt_type: 3,
          rssi: -70,
          adData: '',
          ap: 'CC:1B:E0:E0:00:01',
        },
        { bdad: 'CC:1B:E0:E2:8F:A4', rssi: -72, adData: IBEACON, time: '2026-11-25 10:59:58.500 Europe/Paris' },
        { bdaddr: 'CC:1B:E0:E2:8F:A5', rssi: -74, time: '2026-11-25 17:59:57.000 UTC+8' },
        { bdaddr: 'CC:1B:E0:E2:8F:A6', rssi: -76, time: '2026-11-25 09:59:56.000' },
      ],
      NOW,
      { siteTimeZone: 'Europe/London' },
    );
    expect(sut.problems).toEqual([]);
    expect(sut.observations).toEqual([
      {
        tagId: 'MAC:CC:1B:E0:E2:8F:A3',
        tech: 'ble',
        antenna: null,
        rssi: -70,
        seenAt: NOW,
        telemetry: { addressType: 'public' },
      },
      { tagId: `IBEACON:${UUID}:5:6`, tech: 'ble', antenna: null, rssi: -72, seenAt: NOW - 1500, txPower: -59 },
      { tagId: 'MAC:CC:1B:E0:E2:8F:A5', tech: 'ble', antenna: null, rssi: -74, seenAt: NOW - 3000 },
      { tagId: 'MAC:CC:1B:E0:E2:8F:A6', tech: 'ble', antenna: null, rssi: -76, seenAt: NOW - 4000 },
    ]);
  });

  it('parses Cassia times', () => {
    expect(cassiaInstant('2026-11-25 10:00:00.000 GMT', null)).toBe(NOW);
    expect(cassiaInstant('2026-11-25 11:00:00.000 +01:00', null)).toBe(NOW);
    expect(cassiaInstant('2026-11-25T10:00:00Z', null)).toBe(NOW);
    expect(cassiaInstant('2026-11-25 10:00:00.000 CST', 'UTC')).toBe(NOW);
    expect(cassiaInstant('2026-11-25 10:00:00.000', null)).toBeNull();
  });

  it('names problems and rejects the batch', () => {
    const sut = parseCassiaBatch(
      [
        'data: {broken',
        { rssi: -60, adData: '' },
        { bdaddr: 'CC:1B:E0:E2:8F:A1', rssi: -60, adData: '0G' },
        { bdaddr: 'CC:1B:E0:E2:8F:A1', rssi: -60, adData: '020' },
        { bdaddr: 'CC:1B:E0:E2:8F:A1', time: 'yesterday' },
        { bdaddr: 'CC:1B:E0:E2:8F:A1', time: '2026-11-25 12:00:00 Z' },
      ],
      NOW,
    );
    expect(sut.observations).toEqual([]);
    expect(sut.problems.map((p) => p.field)).toEqual([
      'items[0]',
      'items[1].bdaddrs',
      'items[2].adData',
      'items[3].adData',
      'items[4].time',
      'items[5].time',
    ]);
  });
});
