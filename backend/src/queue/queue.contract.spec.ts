import fc from 'fast-check';
import {
  type ObservationBatch,
  packBatch,
  type PackedBatch,
  partitionOf,
  splitIntoPartitions,
  type TagObservation,
  unpackBatch,
} from './queue.contract';

const read = (tagId: string, seenAt: number): TagObservation => ({
  tagId,
  tech: 'rfid',
  antenna: 1,
  rssi: -60,
  seenAt,
});

describe('partitioning by tag hash', () => {
  it('keeps every read of a tag in one part, in the order the reader sent them', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.tuple(fc.constantFrom('A1', 'B2', 'C3', 'D4', 'E5', 'F6', 'G7'), fc.integer({ min: 0, max: 1e6 })),
          {
            maxLength: 200,
          },
        ),
        fc.integer({ min: 1, max: 16 }),
        (reads, partitions) => {
          const observations = reads.map(([tag, t]) => read(tag, t));
          const parts = splitIntoPartitions(
            { batchId: 'dev:b1', deviceId: 'dev', format: 'generic', receivedAt: 1, observations },
            partitions,
          );
          // Nothing lost, nothing doubled.
          expect(parts.reduce((n, p) => n + p.observations.length, 0)).toBe(observations.length);
          for (const part of parts) {
            expect(part.batchId).toBe(`dev:b1:p${part.partition}`);
            for (const o of part.observations) expect(partitionOf(o.tagId, partitions)).toBe(part.partition);
          }
          for (const tag of new Set(observations.map((o) => o.tagId))) {
            const holding = parts.filter((p) => p.observations.some((o) => o.tagId === tag));
            expect(holding).toHaveLength(1);
            expect(holding[0].observations.filter((o) => o.tagId === tag).map((o) => o.seenAt)).toEqual(
              observations.filter((o) => o.tagId === tag).map((o) => o.seenAt),
            );
          }
        },
      ),
    );
  });

  it('tells every part how far the device has delivered, and device health once, in the first part', () => {
    const parts = splitIntoPartitions(
      {
        batchId: 'dev:b2',
        deviceId: 'dev',
        format: 'generic',
        receivedAt: 9,
        observations: ['A1', 'B2', 'C3', 'D4', 'E5'].map((tag, i) => read(tag, 100 + i)),
        deviceSeenAt: 50,
      },
      4,
    );
    expect(parts.length).toBeGreaterThan(1);
    expect(parts.map((p) => p.deviceUpTo)).toEqual(parts.map(() => 104));
    expect(parts.map((p) => p.deviceSeenAt)).toEqual([104, ...parts.slice(1).map(() => undefined)]);
  });

  it('turns a heartbeat without reads into one job that carries the heartbeat time', () => {
    const parts = splitIntoPartitions(
      { batchId: 'dev:hb', deviceId: 'dev', format: 'zebra-iotc', receivedAt: 5, observations: [], deviceSeenAt: 4 },
      8,
    );
    expect(parts).toEqual([
      {
        batchId: 'dev:hb:p0',
        partition: 0,
        deviceId: 'dev',
        format: 'zebra-iotc',
        receivedAt: 5,
        observations: [],
        deviceUpTo: 4,
        deviceSeenAt: 4,
      },
    ]);
  });

  it('spreads many tags over all partitions, and the same tag always to the same one', () => {
    const counts = new Array<number>(8).fill(0);
    for (let i = 0; i < 8000; i++) counts[partitionOf(`3414257BF40000000${String(i).padStart(7, '0')}`, 8)]++;
    for (const c of counts) expect(c).toBeGreaterThan(700);
    expect(partitionOf('IBEACON:E2C56DB5-DFFB-48D2-B060-D0F5A71096E0:1:2', 8)).toBe(
      partitionOf('IBEACON:E2C56DB5-DFFB-48D2-B060-D0F5A71096E0:1:2', 8),
    );
  });
});

describe('packBatch / unpackBatch (the form a batch takes in Redis)', () => {
  const receivedAt = Date.UTC(2026, 10, 26, 9, 0, 0);
  const batch: ObservationBatch = {
    batchId: 'dev-1:b-7:p2',
    partition: 2,
    deviceId: 'dev-1',
    format: 'minew',
    receivedAt,
    deviceSeenAt: receivedAt - 40,
    observations: [
      { tagId: '3414257BF4000000000186A1', tech: 'rfid', antenna: 3, rssi: -61.5, seenAt: receivedAt - 1200 },
      {
        tagId: 'IBEACON:F7826DA6-4FA2-4E98-8024-BC5B71E0893E:100:1',
        tech: 'ble',
        antenna: null,
        rssi: -77,
        seenAt: receivedAt + 15,
        txPower: -59,
        telemetry: { batteryPercent: 81, addressType: 'public' },
      },
      { tagId: '3414257BF4000000000186A2', tech: 'rfid', antenna: 1, rssi: null, seenAt: receivedAt - 3 },
    ],
  };

  it('gives back exactly the batch it packed, telemetry and beacon power included', () => {
    const wire = JSON.parse(JSON.stringify(packBatch(batch))) as PackedBatch;
    expect(unpackBatch(wire)).toEqual(batch);
  });

  it('keeps the batch id readable in the job and is much smaller than one object per read', () => {
    const many: ObservationBatch = {
      ...batch,
      observations: Array.from({ length: 300 }, (_, i) => ({ ...batch.observations[0], seenAt: receivedAt - i })),
    };
    const packed = JSON.stringify(packBatch(many));
    expect((JSON.parse(packed) as { batchId: string }).batchId).toBe('dev-1:b-7:p2');
    expect(packed.length).toBeLessThan(JSON.stringify(many).length * 0.6);
  });

  it('takes a job queued in the plain form by an earlier release as it is', () => {
    expect(unpackBatch(batch)).toBe(batch);
  });
});
