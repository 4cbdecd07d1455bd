import { parseImpinjSmartReaderBatch } from './impinj-smartreader.format';

const NOW = Date.UTC(2026, 10, 25, 10, 0, 0);
const EPC = '3074257BF7194E4000001A85';

function message(reads: Record<string, unknown>[]): Record<string, unknown> {
  return { readerName: 'SmartReader-R700', mac: '00:16:25:12:34:56', tag_reads: reads };
}

function read(fields: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    epc: EPC,
    antennaPort: 2,
    antennaZone: 'ZONE-A',
    peakRssi: -55.5,
    firstSeenTimestamp: (NOW - 1500) * 1000 + 789,
    tid: 'E2801160600002054D2B6A51',
    ...fields,
  };
}

describe(parseImpinjSmartReaderBatch.name, () => {
  it('reads microsecond timestamps and float dBm', () => {
    const sut = parseImpinjSmartReaderBatch(message([read()]), NOW);

    expect(sut).toEqual({
      observations: [{ tagId: EPC, tech: 'rfid', antenna: 2, rssi: -55.5, seenAt: NOW - 1500 }],
      clientBatchId: null,
      problems: [],
      deviceSeenAt: null,
    });
  });

  it('reads several tag reads and several messages, upper-casing the epc', () => {
    const sut = parseImpinjSmartReaderBatch(
      [message([read(), read({ epc: 'e2801160600002054d2b6a51', antennaPort: 1 })]), message([read()])],
      NOW,
    );

    expect(sut.problems).toEqual([]);
    expect(sut.observations.map((o) => [o.tagId, o.antenna])).toEqual([
      [EPC, 2],
      ['E2801160600002054D2B6A51', 1],
      [EPC, 2],
    ]);
  });

  it('treats a message without tag reads as the reader being alive', () => {
    const sut = parseImpinjSmartReaderBatch(message([]), NOW);

    expect(sut.observations).toEqual([]);
    expect(sut.deviceSeenAt).toBe(NOW);
  });

  it('refuses millisecond timestamps', () => {
    const sut = parseImpinjSmartReaderBatch(message([read({ firstSeenTimestamp: NOW })]), NOW);

    expect(sut.observations).toEqual([]);
    expect(sut.problems).toEqual([
      { index: 0, field: 'items[0].tag_reads[0].firstSeenTimestamp', message: expect.stringMatching(/microseconds/) },
    ]);
  });

  it('refuses times more than 5 minutes in the future', () => {
    const sut = parseImpinjSmartReaderBatch(message([read({ firstSeenTimestamp: (NOW + 600_000) * 1000 })]), NOW);

    expect(sut.problems[0].message).toMatch(/future/);
  });

  it('names bad fields by path and yields nothing from a batch with a problem', () => {
    const sut = parseImpinjSmartReaderBatch(
      [message([read()]), message([read({ epc: 'XYZ', peakRssi: 'loud' })])],
      NOW,
    );

    expect(sut.observations).toEqual([]);
    expect(sut.problems.map((p) => p.field).sort()).toEqual([
      'items[1].tag_reads[0].epc',
      'items[1].tag_reads[0].peakRssi',
    ]);
  });

  it('refuses a message that is not an object', () => {
    const sut = parseImpinjSmartReaderBatch('hello', NOW);

    expect(sut.problems).toHaveLength(1);
    expect(sut.problems[0].field).toBe('items[0]');
  });
});
