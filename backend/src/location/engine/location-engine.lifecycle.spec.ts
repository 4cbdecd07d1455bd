import { beaconSecond, rfid, T0, WARD } from './engine.fixtures';
import type { EngineObservation, EngineTopology, LocationEvent, TagFix } from './engine.types';
import { LocationEngine } from './index';

const PUMP = 'PUMP-1';
const LOST_AFTER = 60_000;

function readsOf(tagId: string, port: number, rssi: number, from: number, to: number): EngineObservation[] {
  const out: EngineObservation[] = [];
  for (let t = from; t < to; t += 250) out.push(rfid(tagId, port, rssi, t));
  return out;
}

function types(events: LocationEvent[]): string[] {
  return events.map((e) => (e.type === 'LocationChanged' ? `${e.type} ${e.fix.zoneId}` : e.type));
}

describe(`${LocationEngine.name} (lost, restore, forget, topology)`, () => {
  let sut: LocationEngine;

  beforeEach(() => {
    sut = new LocationEngine(WARD, { lostAfterMs: LOST_AFTER });
  });

  it('turns a tag not heard for lostAfterMs into "last seen at", once, and back when heard again', () => {
    sut.ingest(readsOf(PUMP, 1, -50, T0, T0 + 5_000), T0 + 5_000);
    const lastRead = T0 + 4_750;

    expect(sut.tick(lastRead + LOST_AFTER - 1)).toEqual([]);
    const lost = sut.tick(lastRead + LOST_AFTER);
    expect(lost).toEqual([
      {
        type: 'TagLost',
        tagId: PUMP,
        at: lastRead + LOST_AFTER,
        fix: expect.objectContaining({ zoneId: 'A', state: 'lost', seenAt: lastRead, zoneSince: T0 }),
      },
    ]);
    expect(sut.fixOf(PUMP)).toMatchObject({ zoneId: 'A', state: 'lost', seenAt: lastRead });
    expect(sut.tick(lastRead + 2 * LOST_AFTER)).toEqual([]);

    // Found in another room: a new stay starts at once (no dwell after a loss).
    const back = sut.ingest([rfid(PUMP, 2, -60, T0 + 200_000)], T0 + 200_000);
    expect(back).toEqual([
      {
        type: 'LocationChanged',
        tagId: PUMP,
        from: { zoneId: 'A', floorId: 'F0', since: T0, until: lastRead },
        fix: expect.objectContaining({ zoneId: 'B', state: 'present', zoneSince: T0 + 200_000 }),
      },
    ]);
  });

  it('reports a loss it did not see tick by when the next batch comes much later', () => {
    sut.ingest([rfid(PUMP, 1, -50, T0)], T0);
    const events = sut.ingest([rfid(PUMP, 1, -50, T0 + 5 * LOST_AFTER)], T0 + 5 * LOST_AFTER);

    expect(types(events)).toEqual(['TagLost', 'LocationChanged A']);
  });

  it('ignores a stale read from before the loss (no resurrection by a replay)', () => {
    const reads = readsOf(PUMP, 1, -50, T0, T0 + 2_000);
    sut.ingest(reads, T0 + 2_000);
    sut.tick(T0 + 2_000 + LOST_AFTER);

    expect(sut.ingest(reads, T0 + 3 * LOST_AFTER)).toEqual([]);
    expect(sut.fixOf(PUMP)?.state).toBe('lost');
  });

  it('drops a read stamped far in the future (a device clock hours ahead) instead of freezing the tag', () => {
    sut.ingest([rfid(PUMP, 1, -50, T0)], T0);

    expect(sut.ingest([rfid(PUMP, 2, -40, T0 + 3_600_000)], T0 + 1_000)).toEqual([]);
    // Reads with sane clocks still count: the tag moves to B as usual.
    expect(types(sut.ingest(readsOf(PUMP, 2, -50, T0 + 1_000, T0 + 8_000), T0 + 8_000))).toEqual(['LocationChanged B']);
  });

  it('after restore() continues from the stored fixes without a spurious change', () => {
    const first = new LocationEngine(WARD);
    first.ingest(readsOf(PUMP, 1, -50, T0, T0 + 5_000), T0 + 5_000);
    first.ingest(beaconSecond('BEACON-1', 1, 6, 3, T0), T0 + 1_000);
    const stored = [first.fixOf(PUMP)!, first.fixOf('BEACON-1')!];
    expect(stored.map((f) => f.zoneId)).toEqual(['A', '1-B']);

    const restarted = new LocationEngine(WARD);
    restarted.restore(stored);
    expect(restarted.tagCount).toBe(2);
    expect(restarted.fixOf(PUMP)).toEqual(stored[0]);

    // The same rooms keep being heard: nothing to say.
    expect(restarted.ingest(readsOf(PUMP, 1, -50, T0 + 5_000, T0 + 10_000), T0 + 10_000)).toEqual([]);
    expect(restarted.ingest(beaconSecond('BEACON-1', 1, 6, 3, T0 + 1_000), T0 + 2_000)).toEqual([]);
    // A real move after the restart still needs its dwell, and says where it came from.
    const moved = restarted.ingest(readsOf(PUMP, 2, -50, T0 + 10_000, T0 + 14_000), T0 + 14_000);
    expect(moved).toEqual([
      expect.objectContaining({
        type: 'LocationChanged',
        from: { zoneId: 'A', floorId: 'F0', since: T0, until: expect.any(Number) },
      }),
    ]);
  });

  it('restores a lost fix as lost, and the first read brings the tag back', () => {
    const lost: TagFix = {
      tagId: PUMP,
      tech: 'rfid',
      zoneId: 'B',
      floorId: 'F0',
      x: 6,
      y: 3,
      confidence: 0.9,
      zoneSince: T0,
      seenAt: T0 + 1_000,
      state: 'lost',
    };
    sut.restore([lost]);

    expect(sut.fixOf(PUMP)).toEqual(lost);
    expect(sut.tick(T0 + 10 * LOST_AFTER)).toEqual([]);
    expect(types(sut.ingest([rfid(PUMP, 2, -50, T0 + 900_000)], T0 + 900_000))).toEqual(['LocationChanged B']);
  });

  it('forget() drops the state of the tags it is asked to', () => {
    sut.ingest([rfid(PUMP, 1, -50, T0), rfid('PUMP-2', 2, -50, T0), rfid('BED-7', 3, -50, T0)], T0);

    sut.forget((tagId) => tagId.startsWith('PUMP'));

    expect(sut.tagCount).toBe(1);
    expect(sut.fixOf(PUMP)).toBeUndefined();
    expect(sut.fixOf('BED-7')?.zoneId).toBe('CORR');
    // A forgotten tag heard again starts afresh with a first fix.
    expect(types(sut.ingest([rfid(PUMP, 1, -50, T0 + 1_000)], T0 + 1_000))).toEqual(['LocationChanged A']);
  });

  it('setTopology() keeps each tag where it is and follows moved antennas', () => {
    sut.ingest(readsOf(PUMP, 1, -50, T0, T0 + 3_000), T0 + 3_000);
    // Port 1 of reader R now covers the corridor instead of room A; a new reader S covers A.
    const moved: EngineTopology = {
      ...WARD,
      antennas: [
        ...WARD.antennas.filter((a) => !(a.deviceId === 'R' && a.port === 1)),
        { deviceId: 'R', port: 1, zoneId: 'CORR', floorId: 'F0', side: null },
        { deviceId: 'S', port: 1, zoneId: 'A', floorId: 'F0', side: null },
      ],
    };

    sut.setTopology(moved);
    expect(sut.fixOf(PUMP)?.zoneId).toBe('A');
    expect(sut.ingest([rfid(PUMP, 1, -50, T0 + 3_000, 'S')], T0 + 3_000)).toEqual([]);

    const events = sut.ingest(readsOf(PUMP, 1, -50, T0 + 3_250, T0 + 10_000), T0 + 10_000);
    expect(types(events)).toEqual(['LocationChanged CORR']);
  });

  it('setTopology() with the tag’s zone deleted gives the tag a fresh first fix', () => {
    sut.ingest([rfid(PUMP, 1, -50, T0)], T0);
    sut.setTopology({
      ...WARD,
      zones: WARD.zones.filter((z) => z.id !== 'A'),
      antennas: WARD.antennas.filter((a) => a.zoneId !== 'A'),
    });

    expect(types(sut.ingest([rfid(PUMP, 2, -50, T0 + 1_000)], T0 + 1_000))).toEqual(['LocationChanged B']);
  });
});
