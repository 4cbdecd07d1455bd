import type { EngineObservation, EngineTopology, EngineZone, Point } from './engine.types';

/*
 * A small two-storey ward for the engine's tests and benchmark (floor metres, y down):
 *
 *   y 0 ┌──────┬──────┬──────┬──────┐
 *       │ A    │ B    │ DOOR │ SUP  │   rooms 4 x 6 m; DOOR is an exit with a portal; SUP a supply room
 *   y 6 ├──────┴──────┴──────┴──────┤
 *       │ CORR                      │   corridor 16 x 3 m
 *   y 9 └───────────────────────────┘
 *       x 0    4      8      12     16
 *
 * Floor 1 repeats the plan with ids prefixed "1-". RFID reader R covers A, B, CORR and SUP
 * (ports 1-4) and, on the first floor, R1 covers 1-A and 1-B; the portal reader P reads DOOR
 * from inside (port 1) and outside (port 2). BLE gateways sit in the middle of every room and
 * along the corridor, on both floors.
 */

function rect(x0: number, y0: number, x1: number, y1: number): Point[] {
  return [
    [x0, y0],
    [x1, y0],
    [x1, y1],
    [x0, y1],
  ];
}

function zone(id: string, floorId: string, kind: string, x0: number, y0: number, x1: number, y1: number): EngineZone {
  return { id, floorId, kind, polygon: rect(x0, y0, x1, y1), centroid: [(x0 + x1) / 2, (y0 + y1) / 2] };
}

function floorZones(prefix: string, floorId: string): EngineZone[] {
  return [
    zone(`${prefix}A`, floorId, 'room', 0, 0, 4, 6),
    zone(`${prefix}B`, floorId, 'room', 4, 0, 8, 6),
    zone(`${prefix}DOOR`, floorId, 'exit', 8, 0, 12, 6),
    zone(`${prefix}SUP`, floorId, 'supply_room', 12, 0, 16, 6),
    zone(`${prefix}CORR`, floorId, 'corridor', 0, 6, 16, 9),
  ];
}

/** Gateway positions per floor: one per room, three along the corridor. */
export const GATEWAY_POINTS: readonly Point[] = [
  [2, 3],
  [6, 3],
  [10, 3],
  [14, 3],
  [2, 7.5],
  [8, 7.5],
  [14, 7.5],
];

export const WARD: EngineTopology = {
  floors: [
    { id: 'F0', level: 0 },
    { id: 'F1', level: 1 },
  ],
  zones: [...floorZones('', 'F0'), ...floorZones('1-', 'F1')],
  antennas: [
    { deviceId: 'R', port: 1, zoneId: 'A', floorId: 'F0', side: null },
    { deviceId: 'R', port: 2, zoneId: 'B', floorId: 'F0', side: null },
    { deviceId: 'R', port: 3, zoneId: 'CORR', floorId: 'F0', side: null },
    { deviceId: 'R', port: 4, zoneId: 'SUP', floorId: 'F0', side: null },
    { deviceId: 'P', port: 1, zoneId: 'DOOR', floorId: 'F0', side: 'inside' },
    { deviceId: 'P', port: 2, zoneId: 'DOOR', floorId: 'F0', side: 'outside' },
    { deviceId: 'R1', port: 1, zoneId: '1-A', floorId: 'F1', side: null },
    { deviceId: 'R1', port: 2, zoneId: '1-B', floorId: 'F1', side: null },
  ],
  gateways: [
    ...GATEWAY_POINTS.map(([x, y], i) => ({ deviceId: `G0-${i}`, floorId: 'F0', x, y })),
    ...GATEWAY_POINTS.map(([x, y], i) => ({ deviceId: `G1-${i}`, floorId: 'F1', x, y })),
  ],
};

export const T0 = Date.UTC(2026, 10, 25, 10, 0, 0);

/** An RFID read by reader R (or another reader). */
export function rfid(
  tagId: string,
  port: number,
  rssi: number | null,
  seenAt: number,
  deviceId = 'R',
): EngineObservation {
  return { tagId, tech: 'rfid', deviceId, antenna: port, rssi, seenAt };
}

/** A BLE read by a gateway. */
export function ble(
  tagId: string,
  deviceId: string,
  rssi: number,
  seenAt: number,
  txPower?: number,
): EngineObservation {
  return txPower === undefined
    ? { tagId, tech: 'ble', deviceId, antenna: null, rssi, seenAt }
    : { tagId, tech: 'ble', deviceId, antenna: null, rssi, seenAt, txPower };
}

/** Deterministic pseudo-random numbers (mulberry32) for repeatable noise. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Standard normal from a uniform source (Box-Muller). */
export function gaussian(random: () => number): number {
  const u = 1 - random();
  const v = random();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

/** The ward's walls: between the rooms (x = 4, 8, 12 for y in 0..6) and along the corridor (y = 6). */
const WALLS: readonly [number, number, number, number][] = [
  [4, 0, 4, 6],
  [8, 0, 8, 6],
  [12, 0, 12, 6],
  [0, 6, 16, 6],
];

/** Walls crossed by the straight line between two points of the ward. */
export function wallsBetween(ax: number, ay: number, bx: number, by: number): number {
  let walls = 0;
  for (const [cx, cy, ex, ey] of WALLS) {
    const dx = bx - ax;
    const dy = by - ay;
    const fx = ex - cx;
    const fy = ey - cy;
    const den = dx * fy - dy * fx;
    if (den === 0) continue;
    const t = ((cx - ax) * fy - (cy - ay) * fx) / den;
    const u = ((cx - ax) * dy - (cy - ay) * dx) / den;
    if (t > 0 && t < 1 && u >= 0 && u <= 1) walls++;
  }
  return walls;
}

export interface BeaconOptions {
  tx?: number;
  exponent?: number;
  /** Shadowing standard deviation, dB. */
  noiseDb?: number;
  /** Probability a packet is lost. */
  loss?: number;
  /** Extra loss for a gateway on another floor, dB. */
  floorLossDb?: number;
  /** Gateways weaker than this are not heard. */
  sensitivity?: number;
  random?: () => number;
}

/**
 * One second of BLE reads of a beacon at (x, y) on floor `floor` (0 or 1): every gateway of
 * both floors hears it with RSSI from the log-distance model with walls (plus noise and loss if
 * asked), the engine's default radio model.
 */
export function beaconSecond(
  tagId: string,
  floor: 0 | 1,
  x: number,
  y: number,
  at: number,
  o: BeaconOptions = {},
): EngineObservation[] {
  const tx = o.tx ?? -59;
  const n = o.exponent ?? 2.5;
  const random = o.random ?? rng(1);
  const out: EngineObservation[] = [];
  for (const f of [0, 1] as const) {
    GATEWAY_POINTS.forEach(([gx, gy], i) => {
      if (o.loss !== undefined && random() < o.loss) return;
      // Ceiling gateways 1.5 m above the tag; 3.5 dB per wall on the way.
      const d = Math.max(1, Math.hypot(gx - x, gy - y, 1.5));
      let rssi =
        tx - 10 * n * Math.log10(d) - 3.5 * wallsBetween(gx, gy, x, y) - (f === floor ? 0 : (o.floorLossDb ?? 20));
      if (o.noiseDb) rssi += gaussian(random) * o.noiseDb;
      if (rssi < (o.sensitivity ?? -95)) return;
      out.push(ble(tagId, `G${f}-${i}`, Math.round(rssi), at + i * 7 + f * 3));
    });
  }
  return out;
}
