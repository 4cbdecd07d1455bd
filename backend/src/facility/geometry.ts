import type { Point } from '@wardtrack/contracts';

/** Signed area of a simple polygon (shoelace); positive when the ring runs clockwise in y-down coordinates. */
export function signedArea(polygon: readonly Point[]): number {
  let sum = 0;
  for (let i = 0; i < polygon.length; i++) {
    const [x1, y1] = polygon[i];
    const [x2, y2] = polygon[(i + 1) % polygon.length];
    sum += x1 * y2 - x2 * y1;
  }
  return sum / 2;
}

/** Even-odd rule; points on an edge may fall either way. */
export function pointInPolygon([x, y]: Point, polygon: readonly Point[]): boolean {
  let inside = false;
  for (let i = 0, j = polygon.length - 1; i < polygon.length; j = i++) {
    const [xi, yi] = polygon[i];
    const [xj, yj] = polygon[j];
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

function distanceToSegment([px, py]: Point, [ax, ay]: Point, [bx, by]: Point): number {
  const dx = bx - ax;
  const dy = by - ay;
  const len2 = dx * dx + dy * dy;
  const t = len2 === 0 ? 0 : Math.max(0, Math.min(1, ((px - ax) * dx + (py - ay) * dy) / len2));
  return Math.hypot(px - (ax + t * dx), py - (ay + t * dy));
}

function distanceToEdges(p: Point, polygon: readonly Point[]): number {
  let best = Infinity;
  for (let i = 0; i < polygon.length; i++)
    best = Math.min(best, distanceToSegment(p, polygon[i], polygon[(i + 1) % polygon.length]));
  return best;
}

/**
 * A point well inside the polygon for labels and markers: the area centroid when it lies
 * comfortably inside (rectangles, most rooms), otherwise the point farthest from the edges (L-shapes).
 */
export function labelPoint(polygon: readonly Point[]): Point {
  const inner = farthestFromEdges(polygon);
  const centroid = areaCentroid(polygon);
  // Prefer the centroid (rooms look centred) unless it hugs a wall, as in some L-shapes.
  if (
    centroid &&
    pointInPolygon(centroid, polygon) &&
    distanceToEdges(centroid, polygon) >= 0.5 * distanceToEdges(inner, polygon)
  ) {
    return centroid;
  }
  return inner;
}

function areaCentroid(polygon: readonly Point[]): Point | null {
  const area = signedArea(polygon);
  if (area === 0) return null;
  let cx = 0;
  let cy = 0;
  for (let i = 0; i < polygon.length; i++) {
    const [x1, y1] = polygon[i];
    const [x2, y2] = polygon[(i + 1) % polygon.length];
    const cross = x1 * y2 - x2 * y1;
    cx += (x1 + x2) * cross;
    cy += (y1 + y2) * cross;
  }
  return [round(cx / (6 * area)), round(cy / (6 * area))];
}

/** The grid point (24 x 24 over the bounding box) inside the polygon farthest from its edges. */
function farthestFromEdges(polygon: readonly Point[]): Point {
  const xs = polygon.map((p) => p[0]);
  const ys = polygon.map((p) => p[1]);
  const [minX, maxX, minY, maxY] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
  let best: Point = polygon[0];
  let bestDistance = -1;
  const steps = 24;
  for (let i = 1; i < steps; i++) {
    for (let j = 1; j < steps; j++) {
      const p: Point = [minX + ((maxX - minX) * i) / steps, minY + ((maxY - minY) * j) / steps];
      if (!pointInPolygon(p, polygon)) continue;
      const d = distanceToEdges(p, polygon);
      if (d > bestDistance) {
        bestDistance = d;
        best = [round(p[0]), round(p[1])];
      }
    }
  }
  return best;
}

function round(v: number): number {
  return Math.round(v * 1000) / 1000;
}
