import { DemoWorld, type Random, type Spot } from './demo-world';

const T0 = Date.UTC(2026, 10, 25, 10, 0, 0);
const MIN_DWELL_MS = 20_000;
const MAX_DWELL_MS = 120_000;

/** mulberry32: small seeded PRNG so every run sees the same demo. */
function seededRandom(seed: number): Random {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Two readers on floor 1 (two antennas each), one reader on floor 2. */
const SPOTS: Spot[] = [
  { deviceId: 'rdr-1', port: 1, zoneId: 'ward-a', floorId: 'f1' },
  { deviceId: 'rdr-1', port: 2, zoneId: 'ward-b', floorId: 'f1' },
  { deviceId: 'rdr-2', port: 1, zoneId: 'store', floorId: 'f1' },
  { deviceId: 'rdr-2', port: 3, zoneId: 'sluice', floorId: 'f1' },
  { deviceId: 'rdr-3', port: 1, zoneId: 'theatre', floorId: 'f2' },
];
const TAGS = Array.from({ length: 40 }, (_, i) => `E200${String(i).padStart(4, '0')}`);

describe(DemoWorld.name, () => {
  let sut: DemoWorld;

  beforeEach(() => {
    sut = new DemoWorld(SPOTS, TAGS, seededRandom(42), T0);
  });

  it('places every tag on one of the spots at the start', () => {
    for (const tag of TAGS) {
      expect(SPOTS).toContain(sut.spotOf(tag));
    }
    expect(sut.spotOf('NOT-A-DEMO-TAG')).toBeUndefined();
  });

  it('spreads the tags over more than one zone', () => {
    expect(new Set(TAGS.map((t) => sut.spotOf(t)!.zoneId)).size).toBeGreaterThan(1);
  });

  it('moves nothing before the shortest dwell is over', () => {
    const before = TAGS.map((t) => sut.spotOf(t));

    expect(sut.advance(T0)).toBe(0);
    expect(sut.advance(T0 + MIN_DWELL_MS - 1)).toBe(0);
    expect(TAGS.map((t) => sut.spotOf(t))).toEqual(before);
  });

  it('moves every tag to a different zone once the longest dwell is over', () => {
    const before = new Map(TAGS.map((t) => [t, sut.spotOf(t)!.zoneId]));

    const moved = sut.advance(T0 + MAX_DWELL_MS);

    expect(moved).toBe(TAGS.length);
    for (const tag of TAGS) {
      expect(SPOTS).toContain(sut.spotOf(tag));
      expect(sut.spotOf(tag)!.zoneId).not.toBe(before.get(tag));
    }
  });

  it('does not move a tag again until its new dwell is over', () => {
    sut.advance(T0 + MAX_DWELL_MS);
    const after = TAGS.map((t) => sut.spotOf(t));

    expect(sut.advance(T0 + MAX_DWELL_MS + MIN_DWELL_MS - 1)).toBe(0);
    expect(TAGS.map((t) => sut.spotOf(t))).toEqual(after);
  });

  it('moves tags only once their own dwell is over, some earlier than others', () => {
    const counts: number[] = [];
    for (let t = T0 + MIN_DWELL_MS; t <= T0 + MAX_DWELL_MS; t += 10_000) counts.push(sut.advance(t));

    expect(counts.some((c) => c > 0 && c < TAGS.length)).toBe(true);
    expect(counts.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(TAGS.length);
  });

  it('has each tag heard strongly once by its own antenna, and a neighbour antenna only more faintly', () => {
    const reads = sut.readsByDevice(T0 + 1_000);
    const seenAt = new Date(T0 + 1_000).toISOString();
    let neighbourReads = 0;

    for (const tag of TAGS) {
      const spot = sut.spotOf(tag)!;
      const mine = [...reads.entries()].flatMap(([device, rs]) =>
        rs.filter((r) => r.tagId === tag).map((r) => ({ device, ...r })),
      );
      const main = mine.filter((r) => r.antenna === spot.port);
      const others = mine.filter((r) => r.antenna !== spot.port);

      expect(main).toHaveLength(1);
      expect(main[0]).toMatchObject({ device: spot.deviceId, seenAt });
      expect(others.length).toBeLessThanOrEqual(1);
      for (const other of others) {
        expect(other.device).toBe(spot.deviceId);
        expect(SPOTS.some((s) => s.deviceId === spot.deviceId && s.port === other.antenna)).toBe(true);
        expect(other.rssi).toBeLessThan(main[0].rssi);
      }
      neighbourReads += others.length;
    }
    expect(neighbourReads).toBeGreaterThan(0);
  });

  it('keeps neighbour reads weaker than main reads over many seconds', () => {
    for (let s = 0; s < 200; s++) {
      for (const [, reads] of sut.readsByDevice(T0 + s * 1_000)) {
        for (const r of reads) {
          const main = reads.find((m) => m.tagId === r.tagId && m.antenna === sut.spotOf(r.tagId)!.port)!;
          if (r !== main) expect(r.rssi).toBeLessThan(main.rssi);
        }
      }
    }
  });

  it('only reports readers that hear a tag', () => {
    const oneTag = new DemoWorld(SPOTS, ['E2000001'], seededRandom(7), T0);

    const reads = oneTag.readsByDevice(T0);

    expect([...reads.keys()]).toEqual([oneTag.spotOf('E2000001')!.deviceId]);
  });

  it('places nothing and produces no reads when the site has no reader spots', () => {
    const empty = new DemoWorld([], TAGS, seededRandom(42), T0);

    expect(TAGS.map((t) => empty.spotOf(t))).toEqual(TAGS.map(() => undefined));
    expect(empty.advance(T0 + 10 * MAX_DWELL_MS)).toBe(0);
    expect(empty.readsByDevice(T0).size).toBe(0);
  });

  it('leaves a tag where it is when there is no other zone to move to', () => {
    const single = new DemoWorld([SPOTS[0]], ['E2000001'], seededRandom(3), T0);

    expect(single.advance(T0 + MAX_DWELL_MS)).toBe(0);
    expect(single.spotOf('E2000001')).toBe(SPOTS[0]);
  });
});
