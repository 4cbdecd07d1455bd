import { rfid, T0, WARD } from './engine.fixtures';
import type { EngineObservation, LocationEvent } from './engine.types';
import { DEFAULT_ENGINE_CONFIG, isSgtinSupplyUnit, LocationEngine } from './index';

const PUMP = 'PUMP-1';
/** An SGTIN-96 EPC: a supply unit. */
const GLOVES = '3074257BF7194E4000001A85';

/** Reads of `tagId` by reader R's port every 250 ms over [from, to). */
function readsOf(
  tagId: string,
  port: number,
  rssi: number,
  from: number,
  to: number,
  deviceId = 'R',
): EngineObservation[] {
  const out: EngineObservation[] = [];
  for (let t = from; t < to; t += 250) out.push(rfid(tagId, port, rssi, t, deviceId));
  return out;
}

/** Feeds reads in one-second batches, as a reader would post them; returns every event. */
function feed(sut: LocationEngine, reads: EngineObservation[]): LocationEvent[] {
  const sorted = [...reads].sort((a, b) => a.seenAt - b.seenAt);
  const events: LocationEvent[] = [];
  let batch: EngineObservation[] = [];
  let batchEnd = sorted.length ? Math.floor(sorted[0].seenAt / 1000) * 1000 + 1000 : 0;
  for (const r of sorted) {
    if (r.seenAt >= batchEnd) {
      events.push(...sut.ingest(batch, batchEnd));
      batch = [];
      batchEnd = Math.floor(r.seenAt / 1000) * 1000 + 1000;
    }
    batch.push(r);
  }
  events.push(...sut.ingest(batch, batchEnd));
  return events;
}

function zonesOf(events: LocationEvent[]): string[] {
  return events.flatMap((e) => (e.type === 'LocationChanged' ? [e.fix.zoneId] : []));
}

describe(`${LocationEngine.name} (RFID)`, () => {
  let sut: LocationEngine;

  beforeEach(() => {
    sut = new LocationEngine(WARD);
  });

  it('places a tag at once on its first read, in the zone of the antenna', () => {
    const events = sut.ingest([rfid(PUMP, 1, -55, T0)], T0);

    expect(events).toEqual([
      {
        type: 'LocationChanged',
        tagId: PUMP,
        from: null,
        fix: expect.objectContaining({
          tech: 'rfid',
          zoneId: 'A',
          floorId: 'F0',
          x: 2,
          y: 3,
          zoneSince: T0,
          seenAt: T0,
          state: 'present',
        }),
      },
    ]);
    expect(sut.fixOf(PUMP)?.zoneId).toBe('A');
    expect(sut.tagCount).toBe(1);
  });

  it('lets the strongest antenna win the first fix, whatever the order of the reads', () => {
    const events = sut.ingest([rfid(PUMP, 1, -70, T0 + 100), rfid(PUMP, 2, -50, T0), rfid(PUMP, 3, -72, T0 + 50)], T0);

    expect(zonesOf(events)).toEqual(['B']);
  });

  it('reads without RSSI still place the tag', () => {
    expect(zonesOf(sut.ingest([rfid(PUMP, 3, null, T0)], T0))).toEqual(['CORR']);
  });

  it('keeps the tag in its zone while a neighbour is stronger by less than the hysteresis', () => {
    const reads = [
      ...readsOf(PUMP, 1, -50, T0, T0 + 20_000),
      ...readsOf(PUMP, 2, -50 + DEFAULT_ENGINE_CONFIG.rfidHysteresisDb - 1, T0 + 2_000, T0 + 20_000),
    ];

    expect(zonesOf(feed(sut, reads))).toEqual(['A']);
  });

  it('does not move for a faint challenger that leads for less than the minimum dwell', () => {
    const reads = [
      ...readsOf(PUMP, 1, -55, T0, T0 + 5_000),
      // The own antenna misses the tag for two seconds while the neighbour cross-reads it faintly.
      ...readsOf(PUMP, 2, -72, T0 + 5_000, T0 + 7_000),
      ...readsOf(PUMP, 1, -55, T0 + 7_000, T0 + 20_000),
    ];

    expect(zonesOf(feed(sut, reads))).toEqual(['A']);
  });

  it('moves for a faint challenger that keeps leading for the minimum dwell', () => {
    const events = feed(sut, [
      ...readsOf(PUMP, 1, -55, T0, T0 + 5_000),
      ...readsOf(PUMP, 2, -72, T0 + 5_000, T0 + 15_000),
    ]);

    expect(zonesOf(events)).toEqual(['A', 'B']);
  });

  it('moves at once to a challenger read as strongly as the current zone was', () => {
    // A reader cycling once a second: A until 5 s, then B from 6 s.
    const cycle = (port: number, from: number, to: number) =>
      readsOf(PUMP, port, -55, from, to).filter((r) => r.seenAt % 1_000 === 0);
    feed(sut, cycle(1, T0, T0 + 5_250));
    const events = sut.ingest(cycle(2, T0 + 6_000, T0 + 6_250), T0 + 6_000);

    expect(events).toEqual([
      expect.objectContaining({
        type: 'LocationChanged',
        fix: expect.objectContaining({ zoneId: 'B', zoneSince: T0 + 6_000 }),
      }),
    ]);
  });

  it('moves a tag that really moved within 2 s, dating the stay change from when the evidence turned', () => {
    const moveAt = T0 + 10_000;
    const reads = [...readsOf(PUMP, 1, -50, T0, moveAt), ...readsOf(PUMP, 2, -52, moveAt, T0 + 20_000)];
    // A neighbour still hears it faintly after the move.
    reads.push(...readsOf(PUMP, 1, -75, moveAt, T0 + 20_000));

    const events = feed(sut, reads);

    expect(zonesOf(events)).toEqual(['A', 'B']);
    const move = events[1] as Extract<LocationEvent, { type: 'LocationChanged' }>;
    expect(move.from).toEqual({ zoneId: 'A', floorId: 'F0', since: T0, until: move.fix.zoneSince });
    expect(move.fix.zoneSince).toBeGreaterThanOrEqual(moveAt);
    expect(move.fix.zoneSince - moveAt).toBeLessThanOrEqual(2_000);
  });

  it('confirms a move from the latest evidence when time passes without more reads (tick)', () => {
    feed(sut, readsOf(PUMP, 1, -50, T0, T0 + 5_000));
    // Carried out of A's reach; B, next door, hears it faintly for 3 s, then nothing more comes.
    const events = sut.ingest(readsOf(PUMP, 2, -70, T0 + 5_000, T0 + 8_000), T0 + 8_000);
    expect(zonesOf(events)).toEqual([]);

    expect(zonesOf(sut.tick(T0 + 12_000))).toEqual(['B']);
  });

  it('moves to a weaker zone once the current zone has no evidence left in the window', () => {
    feed(sut, readsOf(PUMP, 1, -40, T0, T0 + 5_000));
    const events = feed(sut, readsOf(PUMP, 3, -78, T0 + 5_000, T0 + 10_000));

    expect(zonesOf(events)).toEqual(['CORR']);
  });

  it("reports a crossing of the doorway portal: outside then inside is 'entered', the reverse 'left'", () => {
    const events = feed(sut, [
      ...readsOf(PUMP, 2, -50, T0, T0 + 1_000, 'P'),
      ...readsOf(PUMP, 1, -50, T0 + 1_500, T0 + 2_500, 'P'),
      ...readsOf(PUMP, 1, -50, T0 + 60_000, T0 + 61_000, 'P'),
      ...readsOf(PUMP, 2, -48, T0 + 61_250, T0 + 62_000, 'P'),
    ]);

    expect(events.filter((e) => e.type === 'DoorwayCrossed')).toEqual([
      { type: 'DoorwayCrossed', tagId: PUMP, zoneId: 'DOOR', direction: 'entered', at: expect.any(Number) },
      { type: 'DoorwayCrossed', tagId: PUMP, zoneId: 'DOOR', direction: 'left', at: expect.any(Number) },
    ]);
    // Portal reads place the tag in the doorway zone like any antenna.
    expect(zonesOf(events)).toEqual(['DOOR']);
  });

  it('reports no crossing when the two sides are read far apart in time', () => {
    const events = feed(sut, [
      ...readsOf(PUMP, 2, -50, T0, T0 + 1_000, 'P'),
      ...readsOf(PUMP, 1, -50, T0 + 1_000 + DEFAULT_ENGINE_CONFIG.doorwayCrossingMs + 2_000, T0 + 9_000, 'P'),
    ]);

    expect(events.filter((e) => e.type === 'DoorwayCrossed')).toEqual([]);
  });

  it('leaves supply units read at a stock location to the stock engine', () => {
    expect(isSgtinSupplyUnit(GLOVES)).toBe(true);
    expect(isSgtinSupplyUnit('3414257BF4000000000186A1')).toBe(false);

    expect(sut.ingest([rfid(GLOVES, 4, -50, T0)], T0)).toEqual([]);
    expect(sut.tagCount).toBe(0);
    expect(sut.fixOf(GLOVES)).toBeUndefined();

    // The same unit carried into a room is an ordinary tag there; equipment in the supply room too.
    expect(zonesOf(sut.ingest([rfid(GLOVES, 1, -50, T0 + 1_000)], T0 + 1_000))).toEqual(['A']);
    expect(zonesOf(sut.ingest([rfid(PUMP, 4, -50, T0 + 1_000)], T0 + 1_000))).toEqual(['SUP']);
  });

  it('ignores reads from devices and ports that are not placed', () => {
    expect(sut.ingest([rfid(PUMP, 9, -50, T0), rfid(PUMP, 1, -50, T0, 'UNKNOWN')], T0)).toEqual([]);
    expect(sut.tagCount).toBe(0);
  });

  it('gives confidence in 0..1, higher for a clear and well-read zone, falling with age', () => {
    sut.ingest([rfid(PUMP, 1, -60, T0), rfid(PUMP, 2, -61, T0)], T0);
    const close = sut.fixOf(PUMP)!.confidence;
    const clear = new LocationEngine(WARD);
    clear.ingest(readsOf(PUMP, 1, -45, T0, T0 + 2_000).concat(readsOf(PUMP, 2, -75, T0, T0 + 2_000)), T0 + 2_000);
    const strong = clear.fixOf(PUMP)!.confidence;

    expect(close).toBeGreaterThan(0);
    expect(strong).toBeLessThanOrEqual(1);
    expect(strong).toBeGreaterThan(close);
    const seenAt = clear.fixOf(PUMP)!.seenAt;
    const aged = [0, 10_000, 60_000, 600_000].map((age) => clear.fixOf(PUMP, seenAt + age)!.confidence);
    expect(aged[0]).toBe(strong);
    for (let i = 1; i < aged.length; i++) expect(aged[i]).toBeLessThan(aged[i - 1]);
  });
});
