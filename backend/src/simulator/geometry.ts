/**
 * Plane geometry for the simulator, in floor metres. Deliberately its own code: the simulator is
 * the ground truth the location engine is measured against, so it shares nothing with it.
 */

export type Xy = readonly [number, number];

/** Even-odd rule; a point exactly on an edge may fall either side. */
export function insidePolygon(p: Xy, polygon: readonly Xy[]): boolean {
  let inside = false;
  for (let i = 0, j = polygon.length - 1; i < polygon.length; j = i++) {
    const [xi, yi] = polygon[i];
    const [xj, yj] = polygon[j];
    if (yi > p[1] !== yj > p[1] && p[0] < ((xj - xi) * (p[1] - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

/** Distance from p to the segment a-b. */
export function distanceToSegment(p: Xy, a: Xy, b: Xy): number {
  const dx = b[0] - a[0];
  const dy = b[1] - a[1];
  const len2 = dx * dx + dy * dy;
  const t = len2 === 0 ? 0 : Math.max(0, Math.min(1, ((p[0] - a[0]) * dx + (p[1] - a[1]) * dy) / len2));
  return Math.hypot(p[0] - (a[0] + t * dx), p[1] - (a[1] + t * dy));
}

/** Distance from p to the polygon's outline (0 on it). */
export function distanceToOutline(p: Xy, polygon: readonly Xy[]): number {
  let best = Infinity;
  for (let i = 0, j = polygon.length - 1; i < polygon.length; j = i++)
    best = Math.min(best, distanceToSegment(p, polygon[j], polygon[i]));
  return best;
}

/** Distance from p to the polygon (0 inside). */
export function distanceToPolygon(p: Xy, polygon: readonly Xy[]): number {
  return insidePolygon(p, polygon) ? 0 : distanceToOutline(p, polygon);
}

/** Area-weighted centroid (falls back to the vertex mean for a degenerate polygon). */
export function centroidOf(polygon: readonly Xy[]): Xy {
  let a = 0;
  let cx = 0;
  let cy = 0;
  for (let i = 0, j = polygon.length - 1; i < polygon.length; j = i++) {
    const cross = polygon[j][0] * polygon[i][1] - polygon[i][0] * polygon[j][1];
    a += cross;
    cx += (polygon[j][0] + polygon[i][0]) * cross;
    cy += (polygon[j][1] + polygon[i][1]) * cross;
  }
  if (Math.abs(a) < 1e-9) {
    const n = polygon.length;
    return [polygon.reduce((s, q) => s + q[0], 0) / n, polygon.reduce((s, q) => s + q[1], 0) / n];
  }
  return [cx / (3 * a), cy / (3 * a)];
}

export interface Box {
  minX: number;
  minY: number;
  maxX: number;
  maxY: number;
}

export function boundsOf(polygon: readonly Xy[]): Box {
  const xs = polygon.map((q) => q[0]);
  const ys = polygon.map((q) => q[1]);
  return { minX: Math.min(...xs), minY: Math.min(...ys), maxX: Math.max(...xs), maxY: Math.max(...ys) };
}

/**
 * Where segment p-q crosses segment a-b, as the fraction along p-q, or null when it does not
 * (parallel segments never count: a wall seen edge-on is not crossed).
 */
export function crossingAt(p: Xy, q: Xy, a: Xy, b: Xy): number | null {
  const rx = q[0] - p[0];
  const ry = q[1] - p[1];
  const sx = b[0] - a[0];
  const sy = b[1] - a[1];
  const denom = rx * sy - ry * sx;
  if (Math.abs(denom) < 1e-12) return null;
  const ax = a[0] - p[0];
  const ay = a[1] - p[1];
  const t = (ax * sy - ay * sx) / denom;
  const u = (ax * ry - ay * rx) / denom;
  return t > 0 && t < 1 && u >= 0 && u <= 1 ? t : null;
}

/** Length of a polyline. */
export function pathLength(points: readonly Xy[]): number {
  let sum = 0;
  for (let i = 1; i < points.length; i++)
    sum += Math.hypot(points[i][0] - points[i - 1][0], points[i][1] - points[i - 1][1]);
  return sum;
}

/**
 * Where segment a-b crosses the walls (flattened x1, y1, x2, y2 per wall), as sorted fractions
 * along a-b, strictly between its ends. Hot: written without temporaries.
 */
export function wallCrossings(walls: Float64Array, a: Xy, b: Xy): number[] {
  const ax = a[0];
  const ay = a[1];
  const rx = b[0] - ax;
  const ry = b[1] - ay;
  const minX = rx < 0 ? ax + rx : ax;
  const maxX = rx < 0 ? ax : ax + rx;
  const minY = ry < 0 ? ay + ry : ay;
  const maxY = ry < 0 ? ay : ay + ry;
  const ts: number[] = [];
  for (let i = 0; i < walls.length; i += 4) {
    const x1 = walls[i];
    const y1 = walls[i + 1];
    const x2 = walls[i + 2];
    const y2 = walls[i + 3];
    if ((x1 < minX && x2 < minX) || (x1 > maxX && x2 > maxX) || (y1 < minY && y2 < minY) || (y1 > maxY && y2 > maxY))
      continue;
    const sx = x2 - x1;
    const sy = y2 - y1;
    const denom = rx * sy - ry * sx;
    if (denom > -1e-12 && denom < 1e-12) continue; // parallel: a wall seen edge-on is not crossed
    const qx = x1 - ax;
    const qy = y1 - ay;
    const t = (qx * sy - qy * sx) / denom;
    const u = (qx * ry - qy * rx) / denom;
    if (t > 1e-9 && t < 1 - 1e-9 && u >= 0 && u <= 1) ts.push(t);
  }
  return ts.sort((x, y) => x - y);
}
