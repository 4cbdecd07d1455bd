import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import Ajv2020, { type ErrorObject, type ValidateFunction } from 'ajv/dist/2020';
import type { Point } from '@wardtrack/contracts';
import { labelPoint, pointInPolygon, signedArea } from './geometry';
import type { SitePlan } from './site-plan';

/**
 * Checks a site plan (floorplans/<site>/site.json, format 1) beyond what a loader needs: the
 * JSON Schema plus every cross-reference and geometry rule of floorplans/README.md. Pure: no I/O
 * except reading the schema file once.
 */

/** One thing wrong with a site plan. */
export interface PlanProblem {
  /** `error` makes the plan unusable; `warning` is advice (the check command fails on it only with --strict). */
  severity: 'error' | 'warning';
  /** JSON path of the offending element, e.g. `buildings[0].floors[1].zones[12]`. */
  where: string;
  /** Code of the zone, device, opening's first zone, link or floor concerned, when it has one. */
  code?: string;
  message: string;
}

/** `ERROR buildings[0].floors[1].zones[3] (L1-ICU-BAY-03): overlaps L1-ICU-BAY-04 by 1.50 m²` */
export function formatProblem(p: PlanProblem): string {
  return `${p.severity === 'error' ? 'ERROR' : 'WARNING'} ${p.where}${p.code ? ` (${p.code})` : ''}: ${p.message}`;
}

/** Zones of one floor may overlap by at most this much (m²). */
export const MAX_OVERLAP_M2 = 0.01;
/** How far an opening's `at` may lie from the edge the two zones share (m). */
export const OPENING_TOLERANCE_M = 0.05;
/** Shortest shared edge an opening may sit on (m). */
export const MIN_OPENING_EDGE_M = 0.5;

/** The schema, resolved from the repository root: works from backend/src/facility and dist/backend/facility. */
export const SITE_SCHEMA_PATH = resolve(__dirname, '../../../floorplans/schema/site.schema.json');

let validator: ValidateFunction | undefined;
function schemaValidator(): ValidateFunction {
  if (!validator) {
    const schema = JSON.parse(readFileSync(SITE_SCHEMA_PATH, 'utf8')) as object;
    validator = new Ajv2020({ allErrors: true, strict: true }).compile(schema);
  }
  return validator;
}

// ---------------------------------------------------------------------------------------------
// Geometry (exported for the renderer and the tests)

const EPS = 1e-9;

/** Twice the signed area of triangle abc; > 0 when a→b→c turns the same way as a positive-area ring. */
function cross(a: Point, b: Point, c: Point): number {
  return (b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0]);
}

export function polygonArea(polygon: readonly Point[]): number {
  return Math.abs(signedArea(polygon));
}

export function bbox(polygon: readonly Point[]): [number, number, number, number] {
  let [x0, y0, x1, y1] = [Infinity, Infinity, -Infinity, -Infinity];
  for (const [x, y] of polygon) {
    x0 = Math.min(x0, x);
    y0 = Math.min(y0, y);
    x1 = Math.max(x1, x);
    y1 = Math.max(y1, y);
  }
  return [x0, y0, x1, y1];
}

export function distanceToSegment([px, py]: Point, [ax, ay]: Point, [bx, by]: Point): number {
  const dx = bx - ax;
  const dy = by - ay;
  const len2 = dx * dx + dy * dy;
  const t = len2 === 0 ? 0 : Math.max(0, Math.min(1, ((px - ax) * dx + (py - ay) * dy) / len2));
  return Math.hypot(px - (ax + t * dx), py - (ay + t * dy));
}

/** Edges of a ring as [from, to] pairs, the last one closing the ring. */
export function edgesOf(polygon: readonly Point[]): [Point, Point][] {
  return polygon.map((p, i) => [p, polygon[(i + 1) % polygon.length]]);
}

export function onBoundary(p: Point, polygon: readonly Point[], tolerance = 1e-6): boolean {
  return edgesOf(polygon).some(([a, b]) => distanceToSegment(p, a, b) <= tolerance);
}

/** Inside or on the outline. */
export function pointInOrOnPolygon(p: Point, polygon: readonly Point[]): boolean {
  return pointInPolygon(p, polygon) || onBoundary(p, polygon);
}

function segmentsTouch(a: Point, b: Point, c: Point, d: Point): boolean {
  const d1 = cross(a, b, c);
  const d2 = cross(a, b, d);
  const d3 = cross(c, d, a);
  const d4 = cross(c, d, b);
  const s = (v: number) => (Math.abs(v) <= EPS ? 0 : Math.sign(v));
  if (s(d1) * s(d2) < 0 && s(d3) * s(d4) < 0) return true;
  return (
    (s(d1) === 0 && distanceToSegment(c, a, b) <= EPS) ||
    (s(d2) === 0 && distanceToSegment(d, a, b) <= EPS) ||
    (s(d3) === 0 && distanceToSegment(a, c, d) <= EPS) ||
    (s(d4) === 0 && distanceToSegment(b, c, d) <= EPS)
  );
}

/** Indices of two non-adjacent edges that touch or cross, or null when the ring is simple. */
export function selfIntersection(polygon: readonly Point[]): [number, number] | null {
  const edges = edgesOf(polygon);
  const n = edges.length;
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      if (j === i + 1 || (i === 0 && j === n - 1)) continue;
      if (segmentsTouch(edges[i][0], edges[i][1], edges[j][0], edges[j][1])) return [i, j];
    }
  }
  return null;
}

/** Splits a simple polygon into triangles (ear clipping); collinear and repeated points are dropped. */
export function triangulate(polygon: readonly Point[]): Point[][] {
  let pts = polygon.filter((p, i) => {
    const q = polygon[(i + 1) % polygon.length];
    return Math.abs(p[0] - q[0]) > EPS || Math.abs(p[1] - q[1]) > EPS;
  });
  if (signedArea(pts) < 0) pts = [...pts].reverse();
  const ring = [...pts];
  const triangles: Point[][] = [];
  while (ring.length > 3) {
    const n = ring.length;
    let cut = -1;
    let firstConvex = -1;
    for (let i = 0; i < n && cut < 0; i++) {
      const [a, b, c] = [ring[(i + n - 1) % n], ring[i], ring[(i + 1) % n]];
      const turn = cross(a, b, c);
      if (Math.abs(turn) <= EPS * Math.max(1, Math.hypot(c[0] - a[0], c[1] - a[1]))) {
        ring.splice(i, 1); // collinear (or a zero-width spike): contributes no area
        cut = -2;
        break;
      }
      if (turn < 0) continue;
      if (firstConvex < 0) firstConvex = i;
      const blocked = ring.some(
        (p, k) =>
          k !== i &&
          k !== (i + n - 1) % n &&
          k !== (i + 1) % n &&
          cross(a, b, p) >= -EPS &&
          cross(b, c, p) >= -EPS &&
          cross(c, a, p) >= -EPS,
      );
      if (!blocked) cut = i;
    }
    if (cut === -2) continue;
    if (cut < 0) cut = firstConvex; // numerically awkward ring: clip a convex corner anyway
    if (cut < 0) break;
    triangles.push([ring[(cut + n - 1) % n], ring[cut], ring[(cut + 1) % n]]);
    ring.splice(cut, 1);
  }
  if (ring.length === 3 && Math.abs(cross(ring[0], ring[1], ring[2])) > EPS) triangles.push(ring);
  return triangles;
}

/** Sutherland–Hodgman: the part of `subject` inside the convex, positively oriented `clip`. */
function clipConvex(subject: Point[], clip: readonly Point[]): Point[] {
  let out = subject;
  for (let i = 0; i < clip.length && out.length > 0; i++) {
    const e0 = clip[i];
    const e1 = clip[(i + 1) % clip.length];
    const input = out;
    out = [];
    for (let k = 0; k < input.length; k++) {
      const p = input[k];
      const q = input[(k + 1) % input.length];
      const dp = cross(e0, e1, p);
      const dq = cross(e0, e1, q);
      if (dp >= 0) out.push(p);
      if (dp >= 0 !== dq >= 0) {
        const t = dp / (dp - dq);
        out.push([p[0] + t * (q[0] - p[0]), p[1] + t * (q[1] - p[1])]);
      }
    }
  }
  return out;
}

/**
 * Area of the intersection of two simple polygons (any shape, either orientation): both are
 * triangulated and every pair of triangles is clipped exactly, so rectangles, L-shapes and
 * slanted outlines all give the true area up to rounding.
 */
export function intersectionArea(a: readonly Point[], b: readonly Point[]): number {
  const [ax0, ay0, ax1, ay1] = bbox(a);
  const [bx0, by0, bx1, by1] = bbox(b);
  if (ax1 <= bx0 || bx1 <= ax0 || ay1 <= by0 || by1 <= ay0) return 0;
  const tb = triangulate(b);
  let area = 0;
  for (const ta of triangulate(a)) {
    const [tx0, ty0, tx1, ty1] = bbox(ta);
    for (const t of tb) {
      const [ux0, uy0, ux1, uy1] = bbox(t);
      if (tx1 <= ux0 || ux1 <= tx0 || ty1 <= uy0 || uy1 <= ty0) continue;
      const part = clipConvex(ta, t);
      if (part.length >= 3) area += Math.abs(signedArea(part));
    }
  }
  return area;
}

/** A piece of outline two polygons have in common (collinear, overlapping edges). */
export interface SharedSegment {
  a: Point;
  b: Point;
  length: number;
}

/** Where the outlines of two polygons run together; `tolerance` is how far apart two edges may lie and still count. */
export function sharedSegments(pa: readonly Point[], pb: readonly Point[], tolerance = 1e-6): SharedSegment[] {
  const out: SharedSegment[] = [];
  for (const [a0, a1] of edgesOf(pa)) {
    const len = Math.hypot(a1[0] - a0[0], a1[1] - a0[1]);
    if (len <= EPS) continue;
    const ux = (a1[0] - a0[0]) / len;
    const uy = (a1[1] - a0[1]) / len;
    const offLine = (p: Point) => Math.abs((p[0] - a0[0]) * uy - (p[1] - a0[1]) * ux);
    const along = (p: Point) => (p[0] - a0[0]) * ux + (p[1] - a0[1]) * uy;
    for (const [b0, b1] of edgesOf(pb)) {
      if (offLine(b0) > tolerance || offLine(b1) > tolerance) continue;
      const lo = Math.max(0, Math.min(along(b0), along(b1)));
      const hi = Math.min(len, Math.max(along(b0), along(b1)));
      if (hi - lo <= tolerance) continue;
      const [p, q]: Point[] = [
        [a0[0] + lo * ux, a0[1] + lo * uy],
        [a0[0] + hi * ux, a0[1] + hi * uy],
      ];
      // Written left to right (top to bottom when vertical), whichever way the edge runs.
      const ordered = p[0] < q[0] - EPS || (Math.abs(p[0] - q[0]) <= EPS && p[1] <= q[1]);
      out.push({ a: ordered ? p : q, b: ordered ? q : p, length: hi - lo });
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Reading the plan defensively (a plan that fails the schema is still checked as far as possible)

type Floor = SitePlan['buildings'][number]['floors'][number];
type Zone = Floor['zones'][number];

interface ZoneRef {
  zone: Zone;
  polygon: Point[] | null;
  floor: FloorRef;
  where: string;
}
interface FloorRef {
  floor: Floor;
  where: string;
  zones: ZoneRef[];
}

const list = <T>(v: T[] | undefined | null): T[] => (Array.isArray(v) ? v : []);
const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
export const isPoint = (v: unknown): v is Point => Array.isArray(v) && v.length === 2 && isNum(v[0]) && isNum(v[1]);
const isPolygon = (v: unknown): v is Point[] => Array.isArray(v) && v.length >= 3 && v.every(isPoint);
const fmt = (v: number) => (Math.round(v * 100) / 100).toString();
const fmtPoint = (p: Point) => `[${fmt(p[0])}, ${fmt(p[1])}]`;
const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

function floorsOf(plan: SitePlan): FloorRef[] {
  const floors: FloorRef[] = [];
  list(plan?.buildings).forEach((b, bi) =>
    list(b?.floors).forEach((floor, fi) => {
      const ref: FloorRef = { floor, where: `buildings[${bi}].floors[${fi}]`, zones: [] };
      list(floor?.zones).forEach((zone, zi) =>
        ref.zones.push({
          zone,
          polygon: isPolygon(zone?.polygon) ? zone.polygon : null,
          floor: ref,
          where: `${ref.where}.zones[${zi}]`,
        }),
      );
      floors.push(ref);
    }),
  );
  return floors;
}

/** Entries by code, first occurrence kept; later ones are reported as duplicates. */
function byUniqueCode<E extends { where: string }>(
  entries: E[],
  codeOf: (e: E) => unknown,
  what: string,
  problems: PlanProblem[],
): Map<string, E> {
  const byCode = new Map<string, E>();
  for (const entry of entries) {
    const code = codeOf(entry);
    if (typeof code !== 'string') continue;
    const first = byCode.get(code);
    if (first)
      problems.push({
        severity: 'error',
        where: entry.where,
        code,
        message: `duplicate ${what} code (also ${first.where})`,
      });
    else byCode.set(code, entry);
  }
  return byCode;
}

// ---------------------------------------------------------------------------------------------
// The checks

/** Every error a site plan has (the JSON Schema and the rules of floorplans/README.md); empty when the plan is valid. */
export function checkSitePlan(plan: SitePlan): PlanProblem[] {
  const problems: PlanProblem[] = [...schemaProblems(plan)];
  const floors = floorsOf(plan);
  const zones = floors.flatMap((f) => f.zones);

  const floorByCode = byUniqueCode(floors, (f) => f.floor?.code, 'floor', problems);
  const zoneByCode = byUniqueCode(zones, (z) => z.zone?.code, 'zone', problems);

  for (const f of floors) {
    checkZoneShapes(f, problems);
    checkOverlaps(f, problems);
  }
  const edges = checkOpenings(floors, zoneByCode, problems);
  edges.push(...checkVerticalLinks(plan, zoneByCode, problems));
  checkConnected(zones, edges, problems);
  checkDevices(plan, floorByCode, zoneByCode, problems);
  checkAssets(plan, zones, problems);
  return problems;
}

function schemaProblems(plan: SitePlan): PlanProblem[] {
  const validate = schemaValidator();
  if (validate(plan)) return [];
  const seen = new Set<string>();
  const out: PlanProblem[] = [];
  for (const e of validate.errors ?? []) {
    if (e.keyword === 'if') continue; // always followed by the failing "then" details
    const where = jsonPath(e.instancePath);
    const message = `schema: ${describeSchemaError(e)}`;
    if (seen.has(where + message)) continue;
    seen.add(where + message);
    out.push({ severity: 'error', where, code: codeAt(plan, e.instancePath), message });
  }
  return out;
}

function describeSchemaError(e: ErrorObject): string {
  const params = e.params as Record<string, unknown>;
  if (e.keyword === 'enum' && Array.isArray(params.allowedValues))
    return `${e.message ?? 'invalid'}: ${params.allowedValues.map(String).join(', ')}`;
  if (e.keyword === 'additionalProperties') return `unknown property "${String(params.additionalProperty)}"`;
  if (e.keyword === 'const') return `${e.message ?? 'invalid'} ${JSON.stringify(params.allowedValue)}`;
  return e.message ?? e.keyword;
}

/** `/buildings/0/floors/1` -> `buildings[0].floors[1]`. */
function jsonPath(pointer: string): string {
  if (!pointer) return '(root)';
  return pointer
    .split('/')
    .slice(1)
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce((path, s) => (/^\d+$/.test(s) ? `${path}[${s}]` : path ? `${path}.${s}` : s), '');
}

/** Code of the innermost object on the path that has one. */
function codeAt(plan: unknown, pointer: string): string | undefined {
  let node = plan;
  let code: string | undefined;
  for (const s of pointer.split('/').slice(1)) {
    if (node === null || typeof node !== 'object') break;
    node = (node as Record<string, unknown>)[s.replace(/~1/g, '/').replace(/~0/g, '~')];
    const c = node !== null && typeof node === 'object' ? (node as { code?: unknown }).code : undefined;
    if (typeof c === 'string') code = c;
  }
  return code;
}

function checkZoneShapes(f: FloorRef, problems: PlanProblem[]): void {
  const { widthM, heightM } = f.floor ?? {};
  for (const z of f.zones) {
    const p = z.polygon;
    if (!p) continue; // reported by the schema
    const err = (message: string): void => {
      problems.push({ severity: 'error', where: z.where, code: z.zone.code, message });
    };
    const [first, last] = [p[0], p[p.length - 1]];
    if (first[0] === last[0] && first[1] === last[1])
      err('polygon is closed: do not repeat the first point at the end');
    const crossing = selfIntersection(p);
    if (crossing) err(`polygon is not simple: edges ${crossing[0]} and ${crossing[1]} touch or cross`);
    else if (polygonArea(p) <= MAX_OVERLAP_M2) err('polygon has no area');
    if (isNum(widthM) && isNum(heightM)) {
      const outside = p.filter(([x, y]) => x < -EPS || y < -EPS || x > widthM + EPS || y > heightM + EPS);
      if (outside.length)
        err(
          `outside the floor extent ${fmt(widthM)} × ${fmt(heightM)} m: point ${fmtPoint(outside[0])}` +
            (outside.length > 1 ? ` and ${plural(outside.length - 1, 'more')}` : ''),
        );
    }
  }
}

function checkOverlaps(f: FloorRef, problems: PlanProblem[]): void {
  const shaped = f.zones.filter((z): z is ZoneRef & { polygon: Point[] } => z.polygon !== null);
  const boxes = shaped.map((z) => bbox(z.polygon));
  for (let i = 0; i < shaped.length; i++) {
    for (let j = i + 1; j < shaped.length; j++) {
      const [a, b] = [boxes[i], boxes[j]];
      if (a[2] <= b[0] || b[2] <= a[0] || a[3] <= b[1] || b[3] <= a[1]) continue;
      const area = intersectionArea(shaped[i].polygon, shaped[j].polygon);
      if (area > MAX_OVERLAP_M2)
        problems.push({
          severity: 'error',
          where: shaped[i].where,
          code: shaped[i].zone.code,
          message: `overlaps ${shaped[j].zone.code} by ${area.toFixed(2)} m²`,
        });
    }
  }
}

/** Checks openings; returns the walking-graph edges of the valid ones. */
function checkOpenings(
  floors: FloorRef[],
  zoneByCode: Map<string, ZoneRef>,
  problems: PlanProblem[],
): [string, string][] {
  const edges: [string, string][] = [];
  for (const f of floors) {
    list(f.floor?.openings).forEach((o, oi) => {
      const where = `${f.where}.openings[${oi}]`;
      const between = Array.isArray(o?.between) ? o.between : [];
      const err = (message: string): void => {
        problems.push({
          severity: 'error',
          where,
          code: typeof between[0] === 'string' ? between[0] : undefined,
          message,
        });
      };
      if (between.length !== 2 || !between.every((c) => typeof c === 'string')) return; // schema
      const [ca, cb] = between;
      const [za, zb] = [zoneByCode.get(ca), zoneByCode.get(cb)];
      const unknown = [za ? null : ca, zb ? null : cb].filter((c) => c !== null);
      if (unknown.length) return err(`opening refers to unknown zone ${unknown.join(' and ')}`);
      if (!za || !zb) return;
      const away = [za, zb].filter((z) => z.floor !== f);
      if (away.length)
        return err(
          away.map((z) => `zone ${z.zone.code} is on floor ${z.floor.floor.code}`).join(', ') +
            `, not on ${f.floor.code}: openings join zones of their own floor`,
        );
      if (ca === cb) return err(`opening joins ${ca} to itself`);
      edges.push([ca, cb]);
      if (!za.polygon || !zb.polygon || !isPoint(o.at)) return;
      const shared = sharedSegments(za.polygon, zb.polygon, OPENING_TOLERANCE_M);
      if (!shared.length) return err(`${ca} and ${cb} share no edge, so no opening can join them`);
      const near = shared
        .map((s) => ({ s, d: distanceToSegment(o.at, s.a, s.b) }))
        .sort((x, y) => x.d - y.d || y.s.length - x.s.length)[0];
      if (near.d > OPENING_TOLERANCE_M)
        return err(
          `at ${fmtPoint(o.at)} is not on the edge shared by ${ca} and ${cb} ` +
            `(nearest shared edge ${fmtPoint(near.s.a)}–${fmtPoint(near.s.b)} is ${fmt(near.d)} m away)`,
        );
      if (near.s.length < MIN_OPENING_EDGE_M)
        err(
          `shared edge of ${ca} and ${cb} at ${fmtPoint(o.at)} is ${fmt(near.s.length)} m long, less than ${MIN_OPENING_EDGE_M} m`,
        );
    });
  }
  return edges;
}

function checkVerticalLinks(
  plan: SitePlan,
  zoneByCode: Map<string, ZoneRef>,
  problems: PlanProblem[],
): [string, string][] {
  const links = list(plan?.verticalLinks);
  byUniqueCode(
    links.map((link, i) => ({ link, where: `verticalLinks[${i}]` })),
    (e) => e.link?.code,
    'vertical link',
    problems,
  );
  const edges: [string, string][] = [];
  const linked = new Set<string>();
  links.forEach((link, li) => {
    const where = `verticalLinks[${li}]`;
    const err = (message: string): void => {
      problems.push({ severity: 'error', where, code: link?.code, message });
    };
    const onFloor = new Map<string, string>();
    let previous: string | undefined;
    for (const code of list(link?.zones)) {
      if (typeof code !== 'string') continue;
      const z = zoneByCode.get(code);
      if (!z) {
        err(`refers to unknown zone ${code}`);
        continue;
      }
      linked.add(code);
      if (z.zone.kind !== 'stairs' && z.zone.kind !== 'elevator')
        err(`zone ${code} is a ${String(z.zone.kind)} zone, not stairs or elevator`);
      else if (z.zone.kind !== link.kind) err(`zone ${code} is ${z.zone.kind} but the link is ${String(link.kind)}`);
      const floorCode = String(z.floor.floor.code);
      const other = onFloor.get(floorCode);
      if (other) err(`zones ${other} and ${code} are both on floor ${floorCode}: one zone per floor`);
      onFloor.set(floorCode, code);
      if (previous) edges.push([previous, code]);
      previous = code;
    }
  });
  for (const z of zoneByCode.values())
    if ((z.zone.kind === 'stairs' || z.zone.kind === 'elevator') && !linked.has(z.zone.code))
      problems.push({
        severity: 'error',
        where: z.where,
        code: z.zone.code,
        message: `${z.zone.kind} zone is in no vertical link`,
      });
  return edges;
}

function checkConnected(zones: ZoneRef[], edges: [string, string][], problems: PlanProblem[]): void {
  const codes = [...new Set(zones.map((z) => z.zone?.code).filter((c): c is string => typeof c === 'string'))];
  const neighbours = new Map(codes.map((c) => [c, [] as string[]]));
  for (const [a, b] of edges) {
    neighbours.get(a)?.push(b);
    neighbours.get(b)?.push(a);
  }
  const components: string[][] = [];
  const seen = new Set<string>();
  for (const start of codes) {
    if (seen.has(start)) continue;
    const component = [start];
    seen.add(start);
    for (let i = 0; i < component.length; i++)
      for (const m of neighbours.get(component[i]) ?? [])
        if (!seen.has(m)) {
          seen.add(m);
          component.push(m);
        }
    components.push(component);
  }
  if (components.length < 2) return;
  const main = components.reduce((best, c) => (c.length > best.length ? c : best));
  const whereOf = new Map(zones.map((z) => [z.zone?.code, z.where]));
  for (const c of components) {
    if (c === main) continue;
    const ordered = codes.filter((code) => c.includes(code));
    const shown = ordered.slice(0, 5).join(', ') + (ordered.length > 5 ? `, … (${ordered.length - 5} more)` : '');
    problems.push({
      severity: 'error',
      where: whereOf.get(ordered[0]) ?? '(root)',
      code: ordered[0],
      message:
        `walking graph is disconnected: ${plural(ordered.length, 'zone')} (${shown}) cannot be reached ` +
        `from the other ${plural(main.length, 'zone')} (e.g. ${main[0]}) through openings and vertical links`,
    });
  }
}

function checkDevices(
  plan: SitePlan,
  floorByCode: Map<string, FloorRef>,
  zoneByCode: Map<string, ZoneRef>,
  problems: PlanProblem[],
): void {
  const devices = list(plan?.devices);
  byUniqueCode(
    devices.map((device, i) => ({ device, where: `devices[${i}]` })),
    (e) => e.device?.code,
    'device',
    problems,
  );
  devices.forEach((d, di) => {
    const where = `devices[${di}]`;
    const err = (message: string, at = where): void => {
      problems.push({ severity: 'error', where: at, code: d?.code, message });
    };
    if (typeof d?.floor !== 'string') return;
    const floor = floorByCode.get(d.floor);
    if (!floor) return err(`floor ${d.floor} does not exist`);
    if (isPoint(d.at) && !floor.zones.some((z) => z.polygon && pointInOrOnPolygon(d.at, z.polygon)))
      err(`at ${fmtPoint(d.at)} lies in no zone of floor ${d.floor}`);
    const antennas = list(d.antennas);
    const ports = new Set<number>();
    antennas.forEach((a, ai) => {
      const at = `${where}.antennas[${ai}]`;
      if (ports.has(a?.port)) err(`antenna port ${a.port} appears twice`, at);
      ports.add(a?.port);
      if (typeof a?.zone !== 'string') return;
      const z = zoneByCode.get(a.zone);
      if (!z) return err(`antenna port ${a.port} points to unknown zone ${a.zone}`, at);
      if (z.floor !== floor)
        return err(
          `antenna port ${a.port} points to zone ${a.zone} on floor ${z.floor.floor.code}, not ${d.floor}`,
          at,
        );
      if (a.side === undefined) return;
      if (z.zone.kind !== 'doorway' && z.zone.kind !== 'exit')
        return err(`antenna port ${a.port} has a side but ${a.zone} is a ${z.zone.kind}, not a doorway or exit`, at);
      const sides = antennas
        .filter((x) => x?.zone === a.zone)
        .map((x) => x.side ?? '-')
        .sort()
        .join(',');
      if (sides !== 'inside,outside')
        err(`portal on ${a.zone} needs one inside and one outside antenna (has ${sides})`, at);
    });
  });
}

function checkAssets(plan: SitePlan, zones: ZoneRef[], problems: PlanProblem[]): void {
  const assets = list(plan?.demo?.assets);
  const units = new Set(zones.map((z) => z.zone?.careUnit).filter((u) => typeof u === 'string'));
  const tags = new Map<string, string>();
  assets.forEach((a, ai) => {
    const where = `demo.assets[${ai}]`;
    if (typeof a?.tagId === 'string') {
      const first = tags.get(a.tagId);
      if (first) problems.push({ severity: 'error', where, message: `duplicate tagId ${a.tagId} (also ${first})` });
      else tags.set(a.tagId, where);
    }
    if (typeof a?.homeUnit === 'string' && !units.has(a.homeUnit))
      problems.push({ severity: 'error', where, message: `homeUnit "${a.homeUnit}" is no zone's careUnit` });
  });
}

// ---------------------------------------------------------------------------------------------
// BLE coverage

export interface CoverageOptions {
  /** How far a gateway hears a beacon, in metres (straight line; walls are ignored). Default 15. */
  radiusM?: number;
  /** Gateways a room or bay must be heard by. Default 3 (the least for a position fix). */
  minGateways?: number;
}

export const DEFAULT_COVERAGE_RADIUS_M = 15;
export const DEFAULT_MIN_GATEWAYS = 3;

/**
 * Warns about every room and bay whose label point is within `radiusM` of fewer than
 * `minGateways` BLE gateways of its floor.
 */
export function checkCoverage(plan: SitePlan, options: CoverageOptions = {}): PlanProblem[] {
  const radius = options.radiusM ?? DEFAULT_COVERAGE_RADIUS_M;
  const needed = options.minGateways ?? DEFAULT_MIN_GATEWAYS;
  const gateways = list(plan?.devices).filter((d) => d?.kind === 'ble_gateway' && isPoint(d.at));
  const problems: PlanProblem[] = [];
  for (const f of floorsOf(plan)) {
    const onFloor = gateways.filter((g) => g.floor === f.floor?.code);
    for (const z of f.zones) {
      if (!z.polygon || (z.zone.kind !== 'room' && z.zone.kind !== 'bay')) continue;
      const [x, y] = labelPoint(z.polygon);
      const heard = onFloor.filter((g) => Math.hypot(g.at[0] - x, g.at[1] - y) <= radius).map((g) => g.code);
      if (heard.length >= needed) continue;
      problems.push({
        severity: 'warning',
        where: z.where,
        code: z.zone.code,
        message:
          `heard by ${plural(heard.length, 'BLE gateway')} within ${fmt(radius)} m` +
          (heard.length ? ` (${heard.join(', ')})` : '') +
          `, needs at least ${needed}`,
      });
    }
  }
  return problems;
}
