/**
 * Plane geometry for the engine, on flat coordinate arrays (no per-call allocation). Polygons
 * are open rings in floor metres: the last point joins the first.
 */

/** Even-odd rule; points on an edge may fall either way. */
export function insidePolygon(xs: Float64Array, ys: Float64Array, x: number, y: number): boolean {
  let inside = false;
  const n = xs.length;
  for (let i = 0, j = n - 1; i < n; j = i++) {
    const yi = ys[i];
    const yj = ys[j];
    if (yi > y !== yj > y && x < ((xs[j] - xs[i]) * (y - yi)) / (yj - yi) + xs[i]) inside = !inside;
  }
  return inside;
}

/** Result slots of nearestOnBoundary: [x, y, distance]. */
export type NearestOut = Float64Array;

/** The point of the polygon's boundary nearest to (x, y), written to out as [x, y, distance]. */
export function nearestOnBoundary(xs: Float64Array, ys: Float64Array, x: number, y: number, out: NearestOut): void {
  let best = Infinity;
  let bx = xs[0];
  let by = ys[0];
  const n = xs.length;
  for (let i = 0, j = n - 1; i < n; j = i++) {
    const ax = xs[j];
    const ay = ys[j];
    const dx = xs[i] - ax;
    const dy = ys[i] - ay;
    const len2 = dx * dx + dy * dy;
    let t = len2 === 0 ? 0 : ((x - ax) * dx + (y - ay) * dy) / len2;
    t = t < 0 ? 0 : t > 1 ? 1 : t;
    const px = ax + t * dx;
    const py = ay + t * dy;
    const d2 = (x - px) * (x - px) + (y - py) * (y - py);
    if (d2 < best) {
      best = d2;
      bx = px;
      by = py;
    }
  }
  out[0] = bx;
  out[1] = by;
  out[2] = Math.sqrt(best);
}

/** Shoelace area (absolute). */
export function polygonArea(xs: Float64Array, ys: Float64Array): number {
  let sum = 0;
  const n = xs.length;
  for (let i = 0, j = n - 1; i < n; j = i++) sum += xs[j] * ys[i] - xs[i] * ys[j];
  return Math.abs(sum) / 2;
}
