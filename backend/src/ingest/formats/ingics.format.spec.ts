import { parseIngicsBatch } from './ingics.format';

const NOW = Date.UTC(2026, 10, 25, 10, 0, 0);
const UUID = 'E2C56DB5-DFFB-48D2-B060-D0F5A71096E0';
const IBEACON = '0201061AFF4C000215E2C56DB5DFFB48D2B060D0F5A71096E000030004C5';
/** Ingics iBS tag manufacturer data (company 0x082C): not a frame we decode, the MAC names it. */
const IBS = '02010612FF2C0883BC4A0100AAAA0000000000000000';
const sec = (ms: number) => (ms / 1000).toFixed(3);

describe(parseIngicsBatch.name, () => {
  it('reads $GPRP text lines with and without a time (integer or fraction)', () => {
    const sut = parseIngicsBatch(
      [
        `$GPRP,0081F9A0B1C2,F008D1798E50,-68,${IBEACON},${sec(NOW - 2500)}`,
        `$GPRP,0081F9A0B1C3,F008D1798E50,-71,${IBS},${(NOW - 3000) / 1000}`,
        `$RSPR,0081F9A0B1C4,F008D1798E50,-80,0709494253303150`,
        `$HBRP,F008D1798E50,0`,
      ],
      NOW,
    );
    expect(sut.problems).toEqual([]);
    expect(sut.observations).toEqual([
      { tagId: `IBEACON:${UUID}:3:4`, tech: 'ble', antenna: null, rssi: -68, seenAt: NOW - 2500, txPower: -59 },
      { tagId: 'MAC:00:81:F9:A0:B1:C3', tech: 'ble', antenna: null, rssi: -71, seenAt: NOW - 3000 },
      { tagId: 'MAC:00:81:F9:A0:B1:C4', tech: 'ble', antenna: null, rssi: -80, seenAt: NOW },
    ]);
  });

  it('reads the JSON {"data": [lines]} body', () => {
    const sut = parseIngicsBatch({ data: [`$GPRP,0081F9A0B1C2,F008D1798E50,-68,${IBEACON}`] }, NOW);
    expect(sut.observations).toEqual([
      { tagId: `IBEACON:${UUID}:3:4`, tech: 'ble', antenna: null, rssi: -68, seenAt: NOW, txPower: -59 },
    ]);
    // A JSON line inside a text body reads as JSON.
    const text = parseIngicsBatch([JSON.stringify({ data: [`$GPRP,0081F9A0B1C2,F008D1798E50,-68,`] })], NOW);
    expect(text.observations).toEqual([
      { tagId: 'MAC:00:81:F9:A0:B1:C2', tech: 'ble', antenna: null, rssi: -68, seenAt: NOW },
    ]);
  });

  it('reads iGS03 decoded JSON: uuid/major/minor name the tag, battery as telemetry', () => {
    const sut = parseIngicsBatch(
      [
        {
          ts: (NOW - 1000) / 1000,
          reader: 'F008D1798E50',
          tag: '0081F9A0B1C2',
          rssi: -62,
          type: 'ibeacon',
          uuid: UUID.toLowerCase(),
          major: 3,
          minor: 4,
          ref_tx: -59,
          battery: 3012,
        },
        { ts: String((NOW - 4000) / 1000), reader: 'F008D1798E50', tag: '0081F9A0B1C3', rssi: -77, type: 'ibs01' },
      ],
      NOW,
    );
    expect(sut.problems).toEqual([]);
    expect(sut.observations).toEqual([
      {
        tagId: `IBEACON:${UUID}:3:4`,
        tech: 'ble',
        antenna: null,
        rssi: -62,
        seenAt: NOW - 1000,
        telemetry: { batteryMv: 3012 },
      },
      { tagId: 'MAC:00:81:F9:A0:B1:C3', tech: 'ble', antenna: null, rssi: -77, seenAt: NOW - 4000 },
    ]);
  });

  it('names broken lines and fields, and rejects the batch', () => {
    const sut = parseIngicsBatch(
      [
        'GPRP,0081F9A0B1C2,F008D1798E50,-68,',
        '$GPRP,0081F9A0B1,F008D1798E50,-68,0201',
        '$GPRP,0081F9A0B1C2,F008D1798E50,loud,0201',
        '$GPRP,0081F9A0B1C2,F008D1798E50,-68,0G01',
        `$GPRP,0081F9A0B1C2,F008D1798E50,-68,,${NOW / 1000 + 3600}`,
        { data: ['$GPRP,0081F9A0B1C2,F008D1798E50,-68,', 'x'] },
        { tag: 'zz', rssi: -60 },
        '{not json',
      ],
      NOW,
    );
    expect(sut.observations).toEqual([]);
    expect(sut.problems.map((p) => p.field)).toEqual([
      'items[0]',
      'items[1]',
      'items[2]',
      'items[3]',
      'items[4]',
      'items[5].data[1]',
      'items[6].tag',
      'items[7]',
    ]);
  });
});
