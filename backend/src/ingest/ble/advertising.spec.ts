import fc from 'fast-check';
import {
  batteryTelemetry,
  beaconTagId,
  beaconTelemetry,
  bleObservation,
  decodeAdvertising,
  hexToBytes,
  normaliseMac,
  parseAdStructures,
} from './advertising';

const UUID = 'E2C56DB5DFFB48D2B060D0F5A71096E0';
export const IBEACON_HEX = `0201061AFF4C000215${UUID}00010002C5`;
export const EDDYSTONE_UID_HEX = '0201060303AAFE1716AAFE00E7EDD1EBEAC04E5DEFA0170123456789AB0000';
const URL_HEX = `0303AAFE0E16AAFE1001 01${Buffer.from('example').toString('hex')}07`.replace(' ', '');
export const TLM_HEX = '0303AAFE1116AAFE20000BB81680000000640000 03E8'.replace(' ', '');
const MAC = 'AC:23:3F:A0:12:34';

describe('BLE advertising data', () => {
  it('decodes an iBeacon: UUID, major, minor and measured power C5 = -59 dBm', () => {
    const adv = decodeAdvertising(IBEACON_HEX);
    expect(adv.ibeacon).toEqual({
      uuid: 'E2C56DB5-DFFB-48D2-B060-D0F5A71096E0',
      major: 1,
      minor: 2,
      measuredPower: -59,
    });
    expect(beaconTagId(MAC, adv)).toBe('IBEACON:E2C56DB5-DFFB-48D2-B060-D0F5A71096E0:1:2');
  });

  it('decodes an Eddystone-UID into the EDDYSTONE id', () => {
    const adv = decodeAdvertising(EDDYSTONE_UID_HEX.toLowerCase());
    expect(adv.eddystoneUid).toEqual({ txPower: -25, namespace: 'EDD1EBEAC04E5DEFA017', instance: '0123456789AB' });
    expect(beaconTagId(MAC, adv)).toBe('EDDYSTONE:EDD1EBEAC04E5DEFA017:0123456789AB');
  });

  it('decodes an Eddystone-URL with scheme prefix and expansion, but keeps the MAC as the id', () => {
    const adv = decodeAdvertising(URL_HEX);
    expect(adv.eddystoneUrl).toEqual({ txPower: 1, url: 'https://www.example.com' });
    const mid = decodeAdvertising(
      `0303AAFE0A16AAFE10EB02${Buffer.from('a').toString('hex')}00${Buffer.from('bc').toString('hex')}`,
    );
    expect(mid.eddystoneUrl?.url).toBe('http://a.com/bc');
    expect(beaconTagId(MAC, adv)).toBe(`MAC:${MAC}`);
  });

  it('decodes an Eddystone-TLM: 3000 mV, 22.5 °C from 0x1680, count and uptime', () => {
    const adv = decodeAdvertising(TLM_HEX);
    expect(adv.eddystoneTlm).toEqual({
      version: 0,
      batteryMv: 3000,
      temperatureC: 22.5,
      advertisingCount: 100,
      uptimeSeconds: 100,
    });
    expect(beaconTelemetry(adv)).toEqual({ batteryMv: 3000, temperatureC: 22.5 });
    expect(bleObservation(MAC, adv, -70, 5)).toEqual({
      tagId: `MAC:${MAC}`,
      tech: 'ble',
      antenna: null,
      rssi: -70,
      seenAt: 5,
      telemetry: { batteryMv: 3000, temperatureC: 22.5 },
    });
  });

  it('reports unsupported TLM values as null and negative temperatures in 8.8', () => {
    const none = decodeAdvertising('1116AAFE2000000080000000000000000000');
    expect(none.eddystoneTlm).toMatchObject({ batteryMv: null, temperatureC: null });
    expect(beaconTelemetry(none)).toBeUndefined();
    expect(decodeAdvertising('1116AAFE20000BB8FF80000000000000000000'.slice(0, 36)).eddystoneTlm?.temperatureC).toBe(
      -0.5,
    );
  });

  it('decodes Ruuvi RAWv2 temperature and battery', () => {
    // Ruuvi's own test vector: 24.3 °C, 2977 mV.
    const adv = decodeAdvertising('0201061BFF99040512FC5394C37C0004FFFC040CAC364200CDCBB8334C884F');
    expect(adv.ruuvi).toEqual({ temperatureC: 24.3, batteryMv: 2977 });
    expect(beaconTagId(MAC, adv)).toBe(`MAC:${MAC}`);
  });

  it('reads the local name and tolerates a space inside the hex', () => {
    const adv = decodeAdvertising(`0201060509 54414731`.replace('0509', '0509'));
    expect(adv.name).toBe('TAG1');
    expect(hexToBytes('02 01 06')).toEqual(Uint8Array.from([2, 1, 6]));
    expect(hexToBytes('0x0201')).toEqual(Uint8Array.from([2, 1]));
    expect(hexToBytes('0G')).toBeNull();
    expect(hexToBytes('020')).toBeNull();
  });

  it('never throws on truncated frames and keeps what came before', () => {
    for (let n = 0; n <= IBEACON_HEX.length; n += 2) {
      expect(() => decodeAdvertising(IBEACON_HEX.slice(0, n))).not.toThrow();
    }
    expect(decodeAdvertising(IBEACON_HEX.slice(0, -2)).ibeacon).toBeUndefined();
    expect(decodeAdvertising(IBEACON_HEX.slice(0, -2)).structures).toHaveLength(1);
    expect(decodeAdvertising('0416AAFE00').eddystoneUid).toBeUndefined();
    expect(decodeAdvertising('0316AA').structures).toHaveLength(0);
    expect(parseAdStructures(Uint8Array.from([2, 1, 6, 0, 9, 9]))).toHaveLength(1);
    expect(decodeAdvertising('zz').structures).toEqual([]);
  });

  it('never throws on arbitrary bytes or strings', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        const adv = decodeAdvertising(bytes);
        beaconTagId(MAC, adv);
        beaconTelemetry(adv);
      }),
      { numRuns: 2000 },
    );
    fc.assert(
      fc.property(fc.string(), (s) => {
        decodeAdvertising(s);
      }),
    );
  });

  it('normalises MACs and gateway battery values', () => {
    expect(normaliseMac('ac233fa01234')).toBe(MAC);
    expect(normaliseMac('ac-23-3f-a0-12-34')).toBe(MAC);
    expect(normaliseMac('ac233fa0123')).toBeNull();
    expect(batteryTelemetry(87)).toEqual({ batteryPercent: 87 });
    expect(batteryTelemetry(3012)).toEqual({ batteryMv: 3012 });
    expect(batteryTelemetry(2.95)).toEqual({ batteryMv: 2950 });
    expect(batteryTelemetry(500)).toBeUndefined();
    expect(batteryTelemetry(undefined)).toBeUndefined();
  });
});
