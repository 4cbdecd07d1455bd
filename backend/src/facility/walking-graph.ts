import type { Point } from '@wardtrack/contracts';

/**
 * The walking graph of a site and shortest walking routes on it. Pure: plain data in, plain data
 * out, no I/O, deterministic (the same input always gives the same route, ties included).
 *
 * Nodes are the door points (openings) of the site. Two door points of the same zone are joined
 * by the straight line between them inside the zone; the stair and lift zones of a vertical link
 * are joined across floors at a metre-equivalent cost. A route from a point in one zone to a
 * point in another leaves its zone by one of the zone's doors and enters the target zone by one
 * of its doors; within one zone it is the straight line.
 *
 * Known limitation: the straight line between two points of a zone is only inside the zone when
 * the zone is convex. For L-shaped zones (a room with a cabinet carved out, an L corridor) the
 * line may cut the inner corner, so the distance is slightly short there; good enough to rank
 * "the nearest pump", not a surveyor's measure. Splitting such zones, or routing via the reflex
 * corner, would fix it if it ever matters.
 */

export type OpeningKind = 'door' | 'opening';
export type VerticalLinkKind = 'elevator' | 'stairs';

export interface WalkingGraphInput {
  /** Floors of the site with their storey number (0 ground, 1 first, -1 basement). */
  floors: readonly { id: string; level: number }[];
  /** Every zone of the site and its floor. */
  zones: readonly { id: string; floorId: string }[];
  /** Door points between two zones of one floor. */
  openings: readonly { zoneIds: readonly [string, string]; at: Point; kind?: OpeningKind }[];
  /** Lifts and staircases: their zone on each floor they serve. */
  verticalLinks: readonly { kind: VerticalLinkKind; zoneIds: readonly string[] }[];
}

/** What one ride or climb costs, in metres of walking it is worth. */
export interface VerticalCost {
  /** Once per ride (waiting for the lift, opening the stair door). */
  perTripM: number;
  /** Per storey travelled. */
  perFloorM: number;
}

export interface WalkingCosts {
  stairs: VerticalCost;
  elevator: VerticalCost;
}

/** Stairs 15 m per storey; a lift 30 m for one storey (mostly waiting) and 5 m per further storey. */
export const DEFAULT_WALKING_COSTS: WalkingCosts = {
  stairs: { perTripM: 0, perFloorM: 15 },
  elevator: { perTripM: 25, perFloorM: 5 },
};

export interface DoorNode {
  x: number;
  y: number;
  floorId: string;
  level: number;
  kind: OpeningKind;
  zoneIds: readonly [string, string];
}

export interface WalkingGraph {
  readonly nodes: readonly DoorNode[];
  /** Adjacency in compressed rows: the neighbours of node i are targets[offsets[i] .. offsets[i+1]). */
  readonly offsets: Int32Array;
  readonly targets: Int32Array;
  readonly weights: Float64Array;
  /** Undirected edges (each stored in both rows). */
  readonly edgeCount: number;
  /** The door nodes of each zone, in node order. */
  readonly doorsByZone: ReadonlyMap<string, readonly number[]>;
  readonly zoneFloor: ReadonlyMap<string, { floorId: string; level: number }>;
}

/** A point in a zone: where a route starts or ends. */
export interface RoutePoint {
  zoneId: string;
  x: number;
  y: number;
}

export interface WalkingRoute {
  /** Metres walked plus the metre-equivalent of lifts and stairs. */
  distanceM: number;
  /** Storeys travelled (L0 to L2 is 2). */
  floorsChanged: number;
  /** One polyline per stretch on a floor, in walking order; start and end points included. */
  legs: { floorId: string; points: Point[] }[];
}

const NONE = -1;

/** Builds the graph; openings and link stops naming unknown zones are ignored (the plan check reports them). */
export function buildWalkingGraph(input: WalkingGraphInput, costs: WalkingCosts = DEFAULT_WALKING_COSTS): WalkingGraph {
  for (const [kind, cost] of Object.entries(costs) as [string, VerticalCost][])
    if (!(cost.perTripM >= 0 && cost.perFloorM >= 0)) throw new RangeError(`${kind} costs must be non-negative`);

  const levelOf = new Map(input.floors.map((f) => [f.id, f.level]));
  const zoneFloor = new Map<string, { floorId: string; level: number }>();
  for (const z of input.zones) {
    const level = levelOf.get(z.floorId);
    if (level !== undefined) zoneFloor.set(z.id, { floorId: z.floorId, level });
  }

  const nodes: DoorNode[] = [];
  const doorsByZone = new Map<string, number[]>();
  for (const o of input.openings) {
    const [a, b] = o.zoneIds;
    const fa = zoneFloor.get(a);
    const fb = zoneFloor.get(b);
    if (!fa || !fb || fa.floorId !== fb.floorId || a === b) continue;
    const index = nodes.length;
    nodes.push({
      x: o.at[0],
      y: o.at[1],
      floorId: fa.floorId,
      level: fa.level,
      kind: o.kind ?? 'door',
      zoneIds: [a, b],
    });
    for (const z of [a, b]) {
      const list = doorsByZone.get(z);
      if (list) list.push(index);
      else doorsByZone.set(z, [index]);
    }
  }

  // Undirected edges keyed by (low, high) node index; the cheaper of two parallel edges wins.
  const n = nodes.length;
  const edges = new Map<number, number>();
  const addEdge = (i: number, j: number, w: number) => {
    if (i === j) return;
    const key = i < j ? i * n + j : j * n + i;
    const known = edges.get(key);
    if (known === undefined || w < known) edges.set(key, w);
  };
  for (const doors of doorsByZone.values())
    for (let p = 0; p < doors.length; p++)
      for (let q = p + 1; q < doors.length; q++) {
        const [u, v] = [nodes[doors[p]], nodes[doors[q]]];
        addEdge(doors[p], doors[q], Math.hypot(u.x - v.x, u.y - v.y));
      }
  for (const link of input.verticalLinks) {
    const cost = costs[link.kind];
    const stops = link.zoneIds.filter((z) => zoneFloor.has(z));
    // Every pair of stops, not only neighbours: a lift's waiting cost is paid once per ride.
    for (let p = 0; p < stops.length; p++)
      for (let q = p + 1; q < stops.length; q++) {
        const storeys = Math.abs(zoneFloor.get(stops[p])!.level - zoneFloor.get(stops[q])!.level);
        const w = cost.perTripM + cost.perFloorM * storeys;
        for (const u of doorsByZone.get(stops[p]) ?? [])
          for (const v of doorsByZone.get(stops[q]) ?? []) addEdge(u, v, w);
      }
  }

  const degree = new Int32Array(n + 1);
  for (const key of edges.keys()) {
    degree[Math.floor(key / n)]++;
    degree[key % n]++;
  }
  const offsets = new Int32Array(n + 1);
  for (let i = 0; i < n; i++) offsets[i + 1] = offsets[i] + degree[i];
  const fill = offsets.slice(0, n);
  const targets = new Int32Array(offsets[n]);
  const weights = new Float64Array(offsets[n]);
  // Keys in ascending order, so every row lists its neighbours in a fixed order.
  for (const key of [...edges.keys()].sort((x, y) => x - y)) {
    const [i, j, w] = [Math.floor(key / n), key % n, edges.get(key)!];
    targets[fill[i]] = j;
    weights[fill[i]++] = w;
    targets[fill[j]] = i;
    weights[fill[j]++] = w;
  }
  return { nodes, offsets, targets, weights, edgeCount: edges.size, doorsByZone, zoneFloor };
}

/**
 * The shortest walking route between two points, or null when no route joins them (a zone
 * without doors, zones of different sites, an unknown zone).
 */
export function shortestRoute(graph: WalkingGraph, from: RoutePoint, to: RoutePoint): WalkingRoute | null {
  const fromFloor = graph.zoneFloor.get(from.zoneId);
  const toFloor = graph.zoneFloor.get(to.zoneId);
  if (!fromFloor || !toFloor) return null;
  const start: Point = [from.x, from.y];
  const end: Point = [to.x, to.y];
  if (from.zoneId === to.zoneId)
    return {
      distanceM: distance(start, end),
      floorsChanged: 0,
      legs: [{ floorId: fromFloor.floorId, points: [start, end] }],
    };

  const exits = graph.doorsByZone.get(to.zoneId) ?? [];
  const isExit = new Uint8Array(graph.nodes.length);
  for (const e of exits) isExit[e] = 1;
  let best = Infinity;
  let bestNode = NONE;
  const { prev } = dijkstra(graph, sourcesOf(graph, from), (node, d) => {
    if (d >= best) return true; // nothing left in the queue can beat the best complete route
    if (isExit[node]) {
      const total = d + distance(nodePoint(graph.nodes[node]), end);
      if (total < best) {
        best = total;
        bestNode = node;
      }
    }
    return false;
  });
  if (bestNode === NONE) return null;

  const path: number[] = [];
  for (let v = bestNode; v !== NONE; v = prev[v]) path.push(v);
  path.reverse();

  const legs: WalkingRoute['legs'] = [{ floorId: fromFloor.floorId, points: [start] }];
  let floorsChanged = 0;
  let level = fromFloor.level;
  for (const v of path) {
    const node = graph.nodes[v];
    const leg = legs[legs.length - 1];
    if (node.floorId !== leg.floorId) {
      floorsChanged += Math.abs(node.level - level);
      legs.push({ floorId: node.floorId, points: [nodePoint(node)] });
    } else pushPoint(leg.points, nodePoint(node));
    level = node.level;
  }
  pushPoint(legs[legs.length - 1].points, end);
  return { distanceM: best, floorsChanged, legs };
}

/**
 * Walking distance from one point to each of many (one search for all of them); null for each
 * target no route reaches. For "the nearest available pump": rank candidates by it.
 */
export function distancesFrom(
  graph: WalkingGraph,
  from: RoutePoint,
  targets: readonly RoutePoint[],
): (number | null)[] {
  if (!graph.zoneFloor.has(from.zoneId)) return targets.map(() => null);
  const pending = new Uint8Array(graph.nodes.length);
  let remaining = 0;
  for (const t of targets)
    if (t.zoneId !== from.zoneId)
      for (const e of graph.doorsByZone.get(t.zoneId) ?? [])
        if (!pending[e]) {
          pending[e] = 1;
          remaining++;
        }
  const { dist } = dijkstra(graph, remaining ? sourcesOf(graph, from) : [], (node) => {
    if (pending[node]) remaining--;
    return remaining === 0;
  });
  return targets.map((t) => {
    if (!graph.zoneFloor.has(t.zoneId)) return null;
    if (t.zoneId === from.zoneId) return distance([from.x, from.y], [t.x, t.y]);
    let best = Infinity;
    for (const e of graph.doorsByZone.get(t.zoneId) ?? [])
      best = Math.min(best, dist[e] + distance(nodePoint(graph.nodes[e]), [t.x, t.y]));
    return Number.isFinite(best) ? best : null;
  });
}

function sourcesOf(graph: WalkingGraph, from: RoutePoint): { node: number; d: number }[] {
  return (graph.doorsByZone.get(from.zoneId) ?? []).map((node) => ({
    node,
    d: distance([from.x, from.y], nodePoint(graph.nodes[node])),
  }));
}

/**
 * Dijkstra from several sources at once (the doors of the start zone, each at its distance from
 * the start point). `settled` is called once per node in order of distance; returning true stops.
 */
function dijkstra(
  graph: WalkingGraph,
  sources: { node: number; d: number }[],
  settled: (node: number, d: number) => boolean,
): { dist: Float64Array; prev: Int32Array } {
  const n = graph.nodes.length;
  const dist = new Float64Array(n).fill(Infinity);
  const prev = new Int32Array(n).fill(NONE);
  const done = new Uint8Array(n);
  const heap = new MinHeap();
  for (const { node, d } of sources)
    if (d < dist[node]) {
      dist[node] = d;
      heap.push(d, node);
    }
  while (heap.size > 0) {
    const [d, u] = heap.pop();
    if (done[u] || d > dist[u]) continue; // a stale entry: u was reached more cheaply since
    done[u] = 1;
    if (settled(u, d)) break;
    for (let k = graph.offsets[u]; k < graph.offsets[u + 1]; k++) {
      const v = graph.targets[k];
      const nd = d + graph.weights[k];
      if (nd < dist[v]) {
        dist[v] = nd;
        prev[v] = u;
        heap.push(nd, v);
      }
    }
  }
  return { dist, prev };
}

/** Binary min-heap of (key, node), ties broken by the lower node index so results never depend on luck. */
class MinHeap {
  private readonly keys: number[] = [];
  private readonly values: number[] = [];

  get size(): number {
    return this.keys.length;
  }

  push(key: number, value: number): void {
    const { keys, values } = this;
    let i = keys.length;
    keys.push(key);
    values.push(value);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.less(key, value, keys[parent], values[parent])) break;
      keys[i] = keys[parent];
      values[i] = values[parent];
      i = parent;
    }
    keys[i] = key;
    values[i] = value;
  }

  pop(): [number, number] {
    const { keys, values } = this;
    const top: [number, number] = [keys[0], values[0]];
    const lastKey = keys.pop()!;
    const lastValue = values.pop()!;
    const n = keys.length;
    if (n > 0) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= n) break;
        const r = l + 1;
        const c = r < n && this.less(keys[r], values[r], keys[l], values[l]) ? r : l;
        if (!this.less(keys[c], values[c], lastKey, lastValue)) break;
        keys[i] = keys[c];
        values[i] = values[c];
        i = c;
      }
      keys[i] = lastKey;
      values[i] = lastValue;
    }
    return top;
  }

  private less(k1: number, v1: number, k2: number, v2: number): boolean {
    return k1 < k2 || (k1 === k2 && v1 < v2);
  }
}

function nodePoint(node: DoorNode): Point {
  return [node.x, node.y];
}

function distance(a: Point, b: Point): number {
  return Math.hypot(a[0] - b[0], a[1] - b[1]);
}

/** Appends a point unless it repeats the last one (a start point on a door, two doors at one corner). */
function pushPoint(points: Point[], p: Point): void {
  const last = points[points.length - 1];
  if (!last || last[0] !== p[0] || last[1] !== p[1]) points.push(p);
}
