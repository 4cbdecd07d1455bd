import { parseRuuviBatch } from './ruuvi.format';

const NOW = Date.UTC(2026, 10, 25, 10, 0, 0);
const S = (ms: number) => String(Math.floor(ms / 1000));
/** Ruuvi RAWv2: 24.3 °C, 2977 mV. */
const RUUVI_RAW = '0201061BFF99040512FC5394C37C0004FFFC040CAC364200CDCBB8334C884F';
const IBEACON = '0201061AFF4C000215E2C56DB5DFFB48D2B060D0F5A71096E00001FFFFC5';

function body(tags: Record<string, unknown>, extra: Record<string, unknown> = {}) {
  return {
    data: {
      coordinates: '',
      timestamp: S(NOW - 1000),
      nonce: '1234',
      gw_mac: 'C8:25:2D:8E:9C:2C',
      tags,
      ...extra,
    },
  };
}

describe(parseRuuviBatch.name, () => {
  it('reads each tag with its own seconds-as-string time, decoding RAWv2 and iBeacon', () => {
    const sut = parseRuuviBatch(
      body({
        'CC:2C:6A:1E:59:3D': { rssi: -65, timestamp: S(NOW - 3000), data: RUUVI_RAW },
        'DD:2C:6A:1E:59:3E': { rssi: -75, timestamp: S(NOW - 2000), data: IBEACON },
        ee2c6a1e593f: { rssi: -85, data: '' },
      }),
      NOW,
    );
    expect(sut.problems).toEqual([]);
    expect(sut.deviceSeenAt).toBe(NOW - 1000);
    expect(sut.observations).toEqual([
      {
        tagId: 'MAC:CC:2C:6A:1E:59:3D',
        tech: 'ble',
        antenna: null,
        rssi: -65,
        seenAt: NOW - 3000,
        telemetry: { batteryMv: 2977, temperatureC: 24.3 },
      },
      {
        tagId: 'IBEACON:E2C56DB5-DFFB-48D2-B060-D0F5A71096E0:1:65535',
        tech: 'ble',
        antenna: null,
        rssi: -75,
        seenAt: NOW - 2000,
        txPower: -59,
      },
      { tagId: 'MAC:EE:2C:6A:1E:59:3F', tech: 'ble', antenna: null, rssi: -85, seenAt: NOW - 1000 },
    ]);
  });

  it('a body with no tags only proves the gateway alive; numeric seconds are accepted too', () => {
    const sut = parseRuuviBatch(body({}, { timestamp: Math.floor((NOW - 5000) / 1000) }), NOW);
    expect(sut).toMatchObject({ observations: [], problems: [], deviceSeenAt: NOW - 5000 });
  });

  it('names problems: missing time, future time, bad tag fields', () => {
    expect(parseRuuviBatch({ data: { tags: {} } }, NOW).problems.map((p) => p.field)).toEqual([
      'items[0].data.timestamp',
    ]);
    expect(parseRuuviBatch(body({}, { timestamp: S(NOW + 3_600_000) }), NOW).problems[0]).toMatchObject({
      field: 'items[0].data.timestamp',
      message: expect.stringContaining('future') as string,
    });
    const bad = parseRuuviBatch(body({ 'CC:2C:6A:1E:59:3D': { rssi: 'x', data: 'ZZ' } }), NOW);
    expect(bad.observations).toEqual([]);
    expect(bad.problems.map((p) => p.field)).toEqual(
      expect.arrayContaining([
        'items[0].data.tags.CC:2C:6A:1E:59:3D.rssi',
        'items[0].data.tags.CC:2C:6A:1E:59:3D.data',
      ]),
    );
  });
});
