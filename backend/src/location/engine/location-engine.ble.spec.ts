import { ble, beaconSecond, type BeaconOptions, gaussian, rng, T0, WARD } from './engine.fixtures';
import type { EngineConfig, EngineObservation, EngineTopology, LocationEvent, TagFix } from './engine.types';
import { DEFAULT_ENGINE_CONFIG, LocationEngine } from './index';

const BEACON = 'IBEACON:f7826da6-4fa2-4e98-8024-bc5b71e0893e:1:7';

type Stop = { floor: 0 | 1; x: number; y: number; seconds: number };

/** A beacon heard once a second along a route of stops; one batch per second. Returns events with the second they came. */
function walk(
  sut: LocationEngine,
  stops: Stop[],
  from = T0,
  o: BeaconOptions = {},
): { at: number; event: LocationEvent }[] {
  const out: { at: number; event: LocationEvent }[] = [];
  let t = from;
  for (const stop of stops) {
    for (let s = 0; s < stop.seconds; s++, t += 1_000) {
      for (const event of sut.ingest(beaconSecond(BEACON, stop.floor, stop.x, stop.y, t, o), t + 1_000))
        out.push({ at: t, event });
    }
  }
  return out;
}

function changes(events: { at: number; event: LocationEvent }[]): { at: number; zoneId: string; floorId: string }[] {
  return events.flatMap(({ at, event }) =>
    event.type === 'LocationChanged' ? [{ at, zoneId: event.fix.zoneId, floorId: event.fix.floorId }] : [],
  );
}

describe(`${LocationEngine.name} (BLE)`, () => {
  let sut: LocationEngine;

  beforeEach(() => {
    sut = new LocationEngine(WARD);
  });

  it('places a beacon near its true position and in the room it is in', () => {
    const truth = [
      { x: 2.5, y: 2.5, zone: 'A' },
      { x: 6.2, y: 3.5, zone: 'B' },
      { x: 13.5, y: 2, zone: 'SUP' },
      { x: 8, y: 7.5, zone: 'CORR' },
    ];
    for (const { x, y, zone } of truth) {
      const engine = new LocationEngine(WARD);
      walk(engine, [{ floor: 0, x, y, seconds: 5 }]);
      const fix = engine.fixOf(BEACON)!;

      expect(fix).toMatchObject({ tech: 'ble', zoneId: zone, floorId: 'F0', state: 'present' });
      expect(Math.hypot(fix.x - x, fix.y - y)).toBeLessThan(1.5);
    }
  });

  it('smooths each gateway: one wild reading does not move the beacon', () => {
    walk(sut, [{ floor: 0, x: 2, y: 3, seconds: 10 }]);
    const before = sut.fixOf(BEACON)!;
    // A reflection: the far supply-room gateway reports the beacon as if it were next to it.
    const events = sut.ingest([ble(BEACON, 'G0-3', -40, T0 + 10_000)], T0 + 10_000);
    const after = walk(sut, [{ floor: 0, x: 2, y: 3, seconds: 5 }], T0 + 10_000);

    expect(events).toEqual([]);
    expect(changes(after)).toEqual([]);
    expect(sut.fixOf(BEACON)!.zoneId).toBe(before.zoneId);
    expect(Math.hypot(sut.fixOf(BEACON)!.x - before.x, sut.fixOf(BEACON)!.y - before.y)).toBeLessThan(1);
  });

  it('rides out missed packets: a gateway silent for a few seconds does not move the beacon', () => {
    walk(sut, [{ floor: 0, x: 6, y: 3, seconds: 10 }]);
    const lossy = walk(sut, [{ floor: 0, x: 6, y: 3, seconds: 60 }], T0 + 10_000, { loss: 0.5, random: rng(7) });

    expect(changes(lossy)).toEqual([]);
    expect(sut.fixOf(BEACON)!.zoneId).toBe('B');
  });

  it('switches room only on persistent evidence, not on a brief excursion', () => {
    walk(sut, [{ floor: 0, x: 2, y: 3, seconds: 10 }]);
    // Wheeled into the doorway of B for one second and back.
    const brief = walk(
      sut,
      [
        { floor: 0, x: 6, y: 3, seconds: 1 },
        { floor: 0, x: 2, y: 3, seconds: 10 },
      ],
      T0 + 10_000,
    );
    expect(changes(brief)).toEqual([]);

    const moveAt = T0 + 21_000;
    const moved = changes(walk(sut, [{ floor: 0, x: 6, y: 3, seconds: 15 }], moveAt));
    expect(moved.map((c) => c.zoneId)).toEqual(['B']);
    expect(moved[0].at - moveAt).toBeGreaterThanOrEqual(DEFAULT_ENGINE_CONFIG.bleDwellMs - 1_000);
    expect(moved[0].at - moveAt).toBeLessThanOrEqual(5_000);
  });

  it('changes floor only when the other floor is consistently stronger', () => {
    walk(sut, [{ floor: 0, x: 2, y: 3, seconds: 10 }]);
    // Through-floor leakage: the upper floor's gateways only a few dB weaker, for a while.
    const leaky = walk(sut, [{ floor: 0, x: 2, y: 3, seconds: 30 }], T0 + 10_000, { floorLossDb: 2 });
    expect(changes(leaky)).toEqual([]);
    expect(sut.fixOf(BEACON)!.floorId).toBe('F0');

    // Taken upstairs in the lift: now the upper floor is much stronger.
    const up = changes(walk(sut, [{ floor: 1, x: 2, y: 3, seconds: 15 }], T0 + 40_000));
    expect(up.map((c) => [c.floorId, c.zoneId])).toEqual([['F1', '1-A']]);
    expect(up[0].at - (T0 + 40_000)).toBeLessThanOrEqual(5_000);
  });

  it('does not change floor on a short burst from the other floor', () => {
    walk(sut, [{ floor: 0, x: 10, y: 7.5, seconds: 10 }]);
    const burst = walk(
      sut,
      [
        { floor: 1, x: 10, y: 7.5, seconds: 1 },
        { floor: 0, x: 10, y: 7.5, seconds: 10 },
      ],
      T0 + 10_000,
    );

    expect(changes(burst)).toEqual([]);
  });

  it('keeps every BLE fix inside the polygon of its zone', () => {
    const random = rng(3);
    for (let i = 0; i < 20; i++) {
      const engine = new LocationEngine(WARD);
      const [x, y] = [0.3 + random() * 15.4, 0.3 + random() * 8.4];
      walk(engine, [{ floor: 0, x, y, seconds: 3 }], T0, { noiseDb: 4, random });
      const fix = engine.fixOf(BEACON)!;
      const zone = WARD.zones.find((z) => z.id === fix.zoneId)!;
      const xs = zone.polygon.map((p) => p[0]);
      const ys = zone.polygon.map((p) => p[1]);

      expect(fix.x).toBeGreaterThanOrEqual(Math.min(...xs));
      expect(fix.x).toBeLessThanOrEqual(Math.max(...xs));
      expect(fix.y).toBeGreaterThanOrEqual(Math.min(...ys));
      expect(fix.y).toBeLessThanOrEqual(Math.max(...ys));
    }
  });

  it('centroid positioning: snaps an estimate that falls outside every zone into the nearest zone', () => {
    // Gateways in a line outside the building: the estimate lands outside every polygon.
    const outside: EngineTopology = {
      ...WARD,
      gateways: [
        { deviceId: 'X1', floorId: 'F0', x: 2, y: -3 },
        { deviceId: 'X2', floorId: 'F0', x: 6, y: -3 },
        { deviceId: 'X3', floorId: 'F0', x: 10, y: -3 },
      ],
    };
    const engine = new LocationEngine(outside, { blePositioning: 'centroid', bleMaxGateways: 2 });
    engine.ingest(
      [ble(BEACON, 'X1', -62, T0), ble(BEACON, 'X2', -70, T0 + 5), ble(BEACON, 'X3', -80, T0 + 9)],
      T0 + 1_000,
    );
    const fix = engine.fixOf(BEACON)!;

    expect(fix.zoneId).toBe('A');
    expect(fix.x).toBeGreaterThan(0);
    expect(fix.x).toBeLessThan(4);
    expect(fix.y).toBeGreaterThan(0);
    expect(fix.y).toBeLessThan(6);
  });

  it('never places a beacon in a cabinet: BLE cannot tell a cabinet from the room around it', () => {
    const withCabinet: EngineTopology = {
      ...WARD,
      zones: [
        ...WARD.zones,
        {
          id: 'CAB',
          floorId: 'F0',
          kind: 'cabinet',
          polygon: [
            [1, 2],
            [3, 2],
            [3, 4],
            [1, 4],
          ],
          centroid: [2, 3],
        },
      ],
    };
    const engine = new LocationEngine(withCabinet);
    walk(engine, [{ floor: 0, x: 2, y: 3, seconds: 5 }]);

    expect(engine.fixOf(BEACON)!.zoneId).toBe('A');
  });

  it('gives confidence in 0..1: more gateways and a deeper point give more, age gives less', () => {
    walk(sut, [{ floor: 0, x: 2, y: 3, seconds: 5 }]);
    const many = sut.fixOf(BEACON)!;
    const few = new LocationEngine(WARD);
    // One gateway alone: the first fix waits a second for others, then takes what it has.
    expect(few.ingest([ble(BEACON, 'G0-0', -62, T0)], T0)).toEqual([]);
    few.ingest([ble(BEACON, 'G0-0', -62, T0 + 1_000)], T0 + 1_000);
    const one = few.fixOf(BEACON)!;

    expect(one.confidence).toBeGreaterThan(0);
    expect(many.confidence).toBeLessThanOrEqual(1);
    expect(many.confidence).toBeGreaterThan(one.confidence);
    const aged = [0, 30_000, 300_000].map((age) => sut.fixOf(BEACON, many.seenAt + age)!.confidence);
    expect(aged[0]).toBe(many.confidence);
    expect(aged[1]).toBeLessThan(aged[0]);
    expect(aged[2]).toBeLessThan(aged[1]);
  });

  it('holds the room of a still beacon by a wall, but follows a moving one through the door at once', () => {
    // Standing in A, 0.2 m from the wall to B, advertising every 4 s (still) for ten minutes.
    const random = rng(11);
    const noisy: BeaconOptions = { noiseDb: 5, loss: 0.2, random };
    walk(sut, [{ floor: 0, x: 3.8, y: 3, seconds: 5 }], T0, noisy);
    const still: { at: number; event: LocationEvent }[] = [];
    for (let t = T0 + 9_000; t < T0 + 609_000; t += 4_000) {
      for (const event of sut.ingest(beaconSecond(BEACON, 0, 3.8, 3, t, noisy), t + 1_000))
        still.push({ at: t, event });
      for (const event of sut.tick(t + 1_000)) still.push({ at: t, event });
    }
    expect(sut.fixOf(BEACON)!.zoneId).toBe('A');
    expect(changes(still)).toEqual([]);

    // Wheeled across into the middle of B (advertising every second while it moves).
    const moveAt = T0 + 620_000;
    const moved = changes(walk(sut, [{ floor: 0, x: 6, y: 3, seconds: 10 }], moveAt, noisy));
    expect(moved.map((c) => c.zoneId)).toEqual(['B']);
    expect(moved[0].at - moveAt).toBeLessThanOrEqual(2_000);
  });

  it('takes the decision after a tag falls quiet for tickQuietMs, not a late window later', () => {
    walk(sut, [{ floor: 0, x: 2, y: 3, seconds: 10 }]);
    // One advertisement from the middle of B, then silence (a beacon that has stopped there).
    const last = T0 + 10_400;
    const reads = beaconSecond(BEACON, 0, 6, 3, last).concat(beaconSecond(BEACON, 0, 6, 3, last - 1_000));
    const patient = new LocationEngine(WARD, { tickQuietMs: DEFAULT_ENGINE_CONFIG.lateWindowMs });
    walk(patient, [{ floor: 0, x: 2, y: 3, seconds: 10 }]);

    for (const engine of [sut, patient]) expect(engine.ingest(reads, last + 100)).toEqual([]);
    const quietAt = last + DEFAULT_ENGINE_CONFIG.tickQuietMs + 200;
    expect(changes(sut.tick(quietAt).map((event) => ({ at: quietAt, event }))).map((c) => c.zoneId)).toEqual(['B']);
    expect(patient.tick(quietAt)).toEqual([]);
    expect(patient.fixOf(BEACON)!.zoneId).toBe('A');
  });

  it('ignores gateways that are not placed, and reads without RSSI', () => {
    const reads: EngineObservation[] = [
      ble(BEACON, 'NOWHERE', -50, T0),
      { ...ble(BEACON, 'G0-0', -50, T0), rssi: null },
    ];

    expect(sut.ingest(reads, T0)).toEqual([]);
    expect(sut.fixOf(BEACON)).toBeUndefined();
  });
});

/*
 * An open hall, 22 x 10 m, split into two zones along y = 5 with nothing between them (an open
 * ward, or a real site's hall split for reporting), eight ceiling gateways on a grid. The beacon
 * advertises twice a second, every gateway hears it (6 dB shadowing, 20% packet loss).
 */
const HALL_GATEWAYS: readonly [number, number][] = [
  [2, 2],
  [8, 2],
  [14, 2],
  [20, 2],
  [2, 8],
  [8, 8],
  [14, 8],
  [20, 8],
];
const HALL: EngineTopology = {
  floors: [{ id: 'H', level: 0 }],
  zones: [
    { id: 'NORTH', floorId: 'H', kind: 'room', polygon: rectangle(0, 0, 22, 5), centroid: [11, 2.5] },
    { id: 'SOUTH', floorId: 'H', kind: 'room', polygon: rectangle(0, 5, 22, 10), centroid: [11, 7.5] },
  ],
  antennas: [],
  gateways: HALL_GATEWAYS.map(([x, y], i) => ({ deviceId: `H-${i}`, floorId: 'H', x, y })),
};

function rectangle(x0: number, y0: number, x1: number, y1: number): [number, number][] {
  return [
    [x0, y0],
    [x1, y0],
    [x1, y1],
    [x0, y1],
  ];
}

/** One second of the hall's reads of a beacon at (x, y): two advertisements, free-space-like path loss. */
function hallSecond(x: number, y: number, at: number, random: () => number): EngineObservation[] {
  const out: EngineObservation[] = [];
  for (const offset of [0, 500])
    HALL_GATEWAYS.forEach(([gx, gy], i) => {
      if (random() < 0.2) return;
      const d = Math.max(1, Math.hypot(gx - x, gy - y, 1.5));
      const rssi = -59 - 25 * Math.log10(d) + 6 * gaussian(random);
      out.push(ble(BEACON, `H-${i}`, Math.round(rssi), at + offset + i * 7));
    });
  return out;
}

describe(`${LocationEngine.name} (BLE track)`, () => {
  /** Mean distance from the truth of the fixes of a beacon walked along y = 4.25 at 0.5 m/s, over 20 walks. */
  function hallWalkError(config: Partial<EngineConfig>): number {
    let sum = 0;
    let n = 0;
    for (let seed = 1; seed <= 20; seed++) {
      const sut = new LocationEngine(HALL, config);
      const random = rng(seed);
      for (let s = 0; s < 36; s++) {
        const [x, y] = [2 + s * 0.5, 4.25];
        const t = T0 + s * 1_000;
        sut.ingest(hallSecond(x, y, t, random), t + 1_000);
        sut.tick(t + 1_000);
        const fix = sut.fixOf(BEACON);
        if (s < 2 || fix === undefined) continue;
        sum += Math.hypot(fix.x - x, fix.y - y);
        n++;
      }
    }
    return sum / n;
  }

  it('follows a walking beacon more closely than scoring each window alone', () => {
    const tracked = hallWalkError({});
    const windowOnly = hallWalkError({ bleTracking: false });

    expect(tracked).toBeLessThan(0.9 * windowOnly);
  });

  it('does not carry a beacon that stopped on past where it stopped', () => {
    // Pushed along the hall at 1.5 m/s, then parked at x = 12 (advertising every 4 s): where is
    // it placed when its first slow advertisement is decided? Mean over 10 walks.
    let overshoot = 0;
    for (let seed = 1; seed <= 10; seed++) {
      const sut = new LocationEngine(HALL);
      const random = rng(seed);
      for (let s = 0; s < 8; s++) {
        const t = T0 + s * 1_000;
        sut.ingest(hallSecond(1.5 + 1.5 * s, 2.5, t, random), t + 1_000);
        sut.tick(t + 1_000);
      }
      const parked = T0 + 11_000;
      sut.ingest(
        hallSecond(12, 2.5, parked, random).filter((o) => o.seenAt < parked + 500),
        parked + 1_000,
      );
      sut.tick(parked + 1_000);
      overshoot += (sut.fixOf(BEACON)!.x - 12) / 10;
    }
    // Carried on by its velocity for the 4 s since it was last heard moving, it would be placed
    // more than a metre beyond on average.
    expect(overshoot).toBeLessThan(0.75);
  });

  it('forgets a track that went quiet for longer than bleTrackResetMs', () => {
    const reappears = (config: Partial<EngineConfig>): TagFix => {
      const sut = new LocationEngine(WARD, config);
      // Pushed along the corridor to x = 6, out of range for 30 s, then heard at its east end.
      walk(
        sut,
        Array.from({ length: 5 }, (_, s) => ({ floor: 0 as const, x: 2 + s, y: 7.5, seconds: 1 })),
      );
      walk(sut, [{ floor: 0, x: 14, y: 7.5, seconds: 2 }], T0 + 35_000);
      return sut.fixOf(BEACON)!;
    };
    const forgotten = reappears({});

    // Forgotten, the old track holds nothing back: the fix is where scoring the window alone puts it...
    expect(forgotten).toEqual(reappears({ bleTracking: false }));
    // ...while a track kept that long would still pull the beacon back towards where it was last heard.
    expect(reappears({ bleTrackResetMs: 120_000 }).x).toBeLessThan(forgotten.x - 2);
  });
});
