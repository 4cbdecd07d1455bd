import type { CompiledTopology } from './topology';

/** How the radio is expected to behave, for predicting what each gateway hears at each point. */
export interface RadioModel {
  pathLossExponent: number;
  /** Loss per wall (zone boundary) between gateway and point, dB. */
  wallLossDb: number;
  /** Gateway height above the tag, m. */
  heightM: number;
  /** Candidate points every this many metres. */
  gridM: number;
  /** Points farther than this from a gateway are not predicted for it, m. */
  rangeM: number;
  /** Candidates are the points within this of the strongest gateway heard, m. */
  searchM: number;
  /** A gateway with less path loss than this to a point should hear a beacon there, dB. */
  audibleLossDb: number;
  /** Calibrated power of a beacon that does not say, dBm (for the precomputed expectations). */
  defaultTxPower: number;
  /** Expected deviation of a smoothed reading, dB (for the precomputed expectations). */
  sigmaDb: number;
  /** Readings below this are not reported, dBm. */
  sensitivityDbm: number;
}

/**
 * What a gateway reports on average for a beacon whose mean signal there is `mean`: only
 * readings above the sensitivity floor are reported, so weak gateways read high (the mean of a
 * normal distribution truncated at the floor).
 */
export function expectedReading(mean: number, sigma: number, sensitivity: number): number {
  return mean + sigma * inverseMills((sensitivity - mean) / sigma);
}

/** phi(a) / (1 - Phi(a)) for the standard normal, tabulated: E[x | x > a] for x ~ N(0, 1). */
const MILLS_FROM = -6;
const MILLS_STEP = 0.05;
const MILLS = (() => {
  const table = new Float64Array(Math.round((12 - MILLS_FROM) / MILLS_STEP) + 1);
  for (let i = 0; i < table.length; i++) {
    const a = MILLS_FROM + i * MILLS_STEP;
    const tail = 0.5 * erfc(a / Math.SQRT2);
    table[i] = tail > 1e-300 ? Math.exp(-(a * a) / 2) / Math.sqrt(2 * Math.PI) / tail : a;
  }
  return table;
})();

function inverseMills(a: number): number {
  if (a <= MILLS_FROM) return 0;
  const x = (a - MILLS_FROM) / MILLS_STEP;
  const i = Math.floor(x);
  if (i >= MILLS.length - 1) return a + 1 / a;
  return MILLS[i] + (x - i) * (MILLS[i + 1] - MILLS[i]);
}

/** Complementary error function (Numerical Recipes' erfcc, |error| < 1.2e-7). */
function erfc(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const poly =
    -1.26551223 +
    t *
      (1.00002368 +
        t *
          (0.37409196 +
            t *
              (0.09678418 +
                t *
                  (-0.18628806 +
                    t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277))))))));
  const r = t * Math.exp(-z * z + poly);
  return x >= 0 ? r : 2 - r;
}

/**
 * One floor prepared for BLE positioning: candidate points on a grid inside the floor's zones,
 * and for each point and each gateway of the floor within range, the predicted path loss
 * (log-distance + walls crossed). Built once per topology.
 */
export class FloorModel {
  readonly px: Float64Array;
  readonly py: Float64Array;
  readonly pzone: Int32Array;
  /** Distance from the point to its zone's boundary, m. */
  readonly pdepth: Float64Array;
  /** Gateway sources of this floor; local index = position in this array. */
  readonly gateways: Int32Array;
  /** Path loss (dB) per point x local gateway; NaN beyond range. */
  readonly loss: Float32Array;
  /** What each gateway should report at each point for a beacon of the default power (expectedReading). */
  readonly expected: Float32Array;
  /** Per local gateway, the points within the search radius of it, nearest first, and their distances. */
  readonly near: Int32Array[];
  readonly nearDist: Float32Array[];
  /**
   * Per point, the local gateways close enough that they should hear a beacon there (path loss
   * below `audibleLossDb`), as CSR: audible[audibleStart[p] .. audibleStart[p + 1]).
   */
  readonly audibleStart: Int32Array;
  readonly audible: Int32Array;

  constructor(topo: CompiledTopology, floor: number, radio: RadioModel) {
    const zones = topo.bleZonesOnFloor[floor] ?? [];
    const xs: number[] = [];
    const ys: number[] = [];
    const zs: number[] = [];
    const ds: number[] = [];
    const placement = { zone: -1, x: 0, y: 0, depth: 0 };
    let minX = Infinity;
    let minY = Infinity;
    let maxX = -Infinity;
    let maxY = -Infinity;
    for (const zi of zones) {
      const z = topo.zones[zi];
      minX = Math.min(minX, z.minX);
      minY = Math.min(minY, z.minY);
      maxX = Math.max(maxX, z.maxX);
      maxY = Math.max(maxY, z.maxY);
    }
    const step = radio.gridM;
    for (let y = minY + step / 2; y < maxY; y += step) {
      for (let x = minX + step / 2; x < maxX; x += step) {
        if (!topo.place(floor, x, y, placement) || placement.depth <= 0) continue;
        xs.push(x);
        ys.push(y);
        zs.push(placement.zone);
        ds.push(placement.depth);
      }
    }
    // Zones too small for the grid still get their anchor as a candidate point.
    const covered = new Set(zs);
    for (const zi of zones) {
      if (covered.has(zi)) continue;
      const z = topo.zones[zi];
      xs.push(z.cx);
      ys.push(z.cy);
      zs.push(zi);
      ds.push(0.1);
    }
    this.px = Float64Array.from(xs);
    this.py = Float64Array.from(ys);
    this.pzone = Int32Array.from(zs);
    this.pdepth = Float64Array.from(ds);

    const gws: number[] = [];
    for (let s = 0; s < topo.sourceCount; s++)
      if (topo.srcIsGateway[s] === 1 && topo.srcFloor[s] === floor) gws.push(s);
    this.gateways = Int32Array.from(gws);
    const P = xs.length;
    const G = gws.length;
    this.loss = new Float32Array(P * G).fill(NaN);
    const edges = floorEdges(topo, floor);
    const near: number[][] = gws.map(() => []);
    for (let g = 0; g < G; g++) {
      const gx = topo.srcX[gws[g]];
      const gy = topo.srcY[gws[g]];
      for (let p = 0; p < P; p++) {
        const flat = Math.hypot(this.px[p] - gx, this.py[p] - gy);
        if (flat > radio.rangeM) continue;
        const d = Math.max(1, Math.hypot(flat, radio.heightM));
        const walls = wallsCrossed(edges, gx, gy, this.px[p], this.py[p]);
        this.loss[p * G + g] = 10 * radio.pathLossExponent * Math.log10(d) + radio.wallLossDb * walls;
        if (flat <= radio.searchM) near[g].push(p);
      }
    }
    const sorted = near.map((list, g) => {
      const gx = topo.srcX[gws[g]];
      const gy = topo.srcY[gws[g]];
      const dist = (p: number) => Math.hypot(this.px[p] - gx, this.py[p] - gy);
      return list.map((p) => [p, dist(p)] as const).sort((a, b) => a[1] - b[1]);
    });
    this.near = sorted.map((list) => Int32Array.from(list, (e) => e[0]));
    this.nearDist = sorted.map((list) => Float32Array.from(list, (e) => e[1]));
    this.expected = new Float32Array(P * G);
    for (let i = 0; i < P * G; i++) {
      const loss = this.loss[i];
      const mean = Number.isNaN(loss) ? radio.sensitivityDbm - 10 : radio.defaultTxPower - loss;
      this.expected[i] = expectedReading(mean, radio.sigmaDb, radio.sensitivityDbm);
    }
    const start = new Int32Array(P + 1);
    const audible: number[] = [];
    for (let p = 0; p < P; p++) {
      start[p] = audible.length;
      for (let g = 0; g < G; g++) if (this.loss[p * G + g] < radio.audibleLossDb) audible.push(g);
    }
    start[P] = audible.length;
    this.audibleStart = start;
    this.audible = Int32Array.from(audible);
  }

  get pointCount(): number {
    return this.px.length;
  }
}

/** All zone edges of a floor as flat [ax, ay, bx, by] quadruples. */
function floorEdges(topo: CompiledTopology, floor: number): Float64Array {
  const out: number[] = [];
  for (const z of topo.zones) {
    if (z.floor !== floor || z.xs.length < 3) continue;
    for (let i = 0, j = z.xs.length - 1; i < z.xs.length; j = i++) out.push(z.xs[j], z.ys[j], z.xs[i], z.ys[i]);
  }
  return Float64Array.from(out);
}

/**
 * Walls between two points: the zone boundaries the segment crosses, where crossings less
 * than 10 cm apart along the segment are one wall (two zones drawing the same wall).
 */
function wallsCrossed(edges: Float64Array, ax: number, ay: number, bx: number, by: number): number {
  const dx = bx - ax;
  const dy = by - ay;
  const len = Math.hypot(dx, dy);
  if (len === 0) return 0;
  const ts: number[] = [];
  for (let e = 0; e < edges.length; e += 4) {
    const cx = edges[e];
    const cy = edges[e + 1];
    const ex = edges[e + 2] - cx;
    const ey = edges[e + 3] - cy;
    const den = dx * ey - dy * ex;
    if (den === 0) continue;
    const t = ((cx - ax) * ey - (cy - ay) * ex) / den;
    const u = ((cx - ax) * dy - (cy - ay) * dx) / den;
    if (t > 0 && t < 1 && u >= 0 && u <= 1) ts.push(t * len);
  }
  if (ts.length === 0) return 0;
  ts.sort((a, b) => a - b);
  let walls = 1;
  for (let i = 1; i < ts.length; i++) if (ts[i] - ts[i - 1] > 0.1) walls++;
  return walls;
}
