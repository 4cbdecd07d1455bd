import { beaconSecond, gaussian, rfid, rng, T0, WARD } from './engine.fixtures';
import type { EngineObservation, EngineTopology, LocationEvent } from './engine.types';
import { LocationEngine } from './index';

const TAG = '3414257BF400000000001234';
const BEACON = 'IBEACON:f7826da6-4fa2-4e98-8024-bc5b71e0893e:1:9';

/** The ward with rooms A and B each read by a reader of its own: RA (port 1) and RB (port 1). */
const TWO_READERS: EngineTopology = {
  ...WARD,
  antennas: [
    { deviceId: 'RA', port: 1, zoneId: 'A', floorId: 'F0', side: null },
    { deviceId: 'RB', port: 1, zoneId: 'B', floorId: 'F0', side: null },
  ],
};

interface Device {
  id: string;
  /** Posts what it heard every this many seconds, at second `phase` of the cycle. */
  every: number;
  phase: number;
}

/**
 * Runs `seconds` of a world in which every device hears what `hear(second)` says it heard and
 * posts it on its own schedule, one engine.ingest per batch (as the worker feeds them), with
 * engine.delivered for every batch when `tell` is set. Returns the LocationChanged events.
 */
function run(
  sut: LocationEngine,
  devices: readonly Device[],
  seconds: number,
  hear: (second: number) => EngineObservation[],
  tell: boolean,
): LocationEvent[] {
  const held = new Map<string, EngineObservation[]>(devices.map((d) => [d.id, []]));
  const events: LocationEvent[] = [];
  for (let s = 0; s < seconds; s++) {
    for (const o of hear(s)) held.get(o.deviceId)?.push(o);
    const now = T0 + (s + 1) * 1_000;
    // The devices' batches of this second come one after another, a few milliseconds apart.
    devices.forEach((d, i) => {
      if ((s + d.phase) % d.every !== 0) return;
      const at = now + i * 10;
      const batch = held.get(d.id)!.splice(0);
      if (tell) sut.delivered(d.id, now, at);
      events.push(...sut.ingest(batch, at));
    });
    events.push(...sut.tick(now + 500));
  }
  return events.filter((e) => e.type === 'LocationChanged');
}

/**
 * A tag standing in A by the wall to B: each reader runs a read cycle a second; RA reads it in 90%
 * of its cycles, RB cross-reads it faintly in a fifth of its cycles.
 */
function standingInA(random: () => number): (second: number) => EngineObservation[] {
  return (s) => {
    const out: EngineObservation[] = [];
    const t = T0 + s * 1_000;
    if (random() < 0.9) out.push(rfid(TAG, 1, Math.round(-58 + 3 * gaussian(random)), t, 'RA'));
    if (random() < 0.2) out.push(rfid(TAG, 1, Math.round(-72 + 3 * gaussian(random)), t + 5, 'RB'));
    return out;
  };
}

describe(`${LocationEngine.name} (devices that post in batches)`, () => {
  const slowA: Device[] = [
    { id: 'RA', every: 3, phase: 0 },
    { id: 'RB', every: 3, phase: 1 },
  ];

  it('waits for a reader that posts every 3 s: the neighbour’s cross-reads meanwhile do not move the tag', () => {
    const told = new LocationEngine(TWO_READERS);
    const changes = run(told, slowA, 600, standingInA(rng(4)), true);

    expect(changes.map((e) => (e.type === 'LocationChanged' ? e.fix.zoneId : ''))).toEqual(['A']);
    expect(told.fixOf(TAG)!.zoneId).toBe('A');
  });

  it('without being told when batches come, the same feed moves the tag to the neighbour and back', () => {
    // The cause of the rule above: RA's last reads are seconds old when RB's cross-reads arrive,
    // and some of them come too late to count at all.
    const untold = new LocationEngine(TWO_READERS);
    const changes = run(untold, slowA, 600, standingInA(rng(4)), false);

    expect(changes.length).toBeGreaterThan(3);
  });

  it('changes nothing for devices that post every second', () => {
    const everySecond: Device[] = [
      { id: 'RA', every: 1, phase: 0 },
      { id: 'RB', every: 1, phase: 0 },
    ];
    const told = new LocationEngine(TWO_READERS);
    const untold = new LocationEngine(TWO_READERS);
    const a = run(told, everySecond, 300, standingInA(rng(8)), true);
    const b = run(untold, everySecond, 300, standingInA(rng(8)), false);

    expect(a).toEqual(b);
    expect(told.fixOf(TAG)).toEqual(untold.fixOf(TAG));
  });

  it('does not wait for a reader that stopped posting', () => {
    const sut = new LocationEngine(TWO_READERS);
    const random = rng(5);
    run(sut, slowA, 60, standingInA(random), true);
    // RA is switched off; the tag is carried into B, read there by RB (still posting every second).
    const inB = (s: number): EngineObservation[] =>
      [0, 250, 500, 750].map((ms) => rfid(TAG, 1, -57, T0 + (60 + s) * 1_000 + ms, 'RB'));
    const moved: { at: number; zoneId: string }[] = [];
    const heldRb: EngineObservation[] = [];
    for (let s = 0; s < 10; s++) {
      heldRb.push(...inB(s));
      const now = T0 + (61 + s) * 1_000;
      sut.delivered('RB', now, now);
      for (const e of [...sut.ingest(heldRb.splice(0), now), ...sut.tick(now + 500)])
        if (e.type === 'LocationChanged') moved.push({ at: now - (T0 + 60_000), zoneId: e.fix.zoneId });
    }

    expect(moved.map((m) => m.zoneId)).toEqual(['B']);
    // RA posted last at 60 s: it is overdue 3.5 s later, and RB's reads are decided then.
    expect(moved[0].at).toBeLessThanOrEqual(5_000);
  });

  it('decides a quiet beacon’s last moment only once a gateway that posts every 3 s has delivered it', () => {
    const sut = new LocationEngine(WARD);
    const slow = 'G0-1'; // the gateway in room B
    const held: EngineObservation[] = [];
    const post = (reads: EngineObservation[], at: number): LocationEvent[] => {
      const events: LocationEvent[] = [];
      for (const g of WARD.gateways) {
        if (g.deviceId === slow && Math.round((at - T0) / 1_000) % 3 !== 0) continue;
        const mine = reads.filter((o) => o.deviceId === g.deviceId);
        if (g.deviceId === slow) mine.unshift(...held.splice(0));
        sut.delivered(g.deviceId, at, at);
        events.push(...sut.ingest(mine, at));
      }
      return events;
    };
    // In A, advertising every second; every gateway posts every second but B's, every 3 s. Then
    // wheeled into B (advertisements at 11.4 and 12.4 s) and left there (quiet: the next
    // advertisement is seconds away). B's gateway holds its readings of B until 15 s.
    for (let s = 0; s < 13; s++) {
      const reads = beaconSecond(BEACON, 0, s < 11 ? 2 : 6, 3, T0 + s * 1_000 + (s < 11 ? 0 : 400));
      held.push(...reads.filter((o) => o.deviceId === slow));
      post(reads, T0 + (s + 1) * 1_000 - (s === 12 ? 500 : 0));
      if (s === 10) expect(sut.fixOf(BEACON)!.zoneId).toBe('A');
    }

    expect(sut.tick(T0 + 13_500)).toEqual([]);
    expect(sut.tick(T0 + 14_500)).toEqual([]);
    const moved = [...post([], T0 + 15_000), ...sut.tick(T0 + 15_100)];
    expect(moved.flatMap((e) => (e.type === 'LocationChanged' ? [e.fix.zoneId] : []))).toEqual(['B']);
  });
});
