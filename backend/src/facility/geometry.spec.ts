import type { Point } from '@wardtrack/contracts';
import { labelPoint, pointInPolygon, signedArea } from './geometry';

/** 8 m x 5 m room, clockwise in y-down floor coordinates. */
const ROOM: Point[] = [
  [2, 1],
  [10, 1],
  [10, 6],
  [2, 6],
];

/** 10 x 10 with the 8 x 8 corner at (10, 10) cut away: two 2 m wide corridors meeting at the origin. */
const THIN_L: Point[] = [
  [0, 0],
  [10, 0],
  [10, 2],
  [2, 2],
  [2, 10],
  [0, 10],
];

/** 10 x 10 with the 6 x 6 corner at (10, 10) cut away: arms 4 m wide. */
const WIDE_L: Point[] = [
  [0, 0],
  [10, 0],
  [10, 4],
  [4, 4],
  [4, 10],
  [0, 10],
];

function distanceToEdges([px, py]: Point, polygon: readonly Point[]): number {
  let best = Infinity;
  for (let i = 0; i < polygon.length; i++) {
    const [ax, ay] = polygon[i];
    const [bx, by] = polygon[(i + 1) % polygon.length];
    const t = Math.max(
      0,
      Math.min(1, ((px - ax) * (bx - ax) + (py - ay) * (by - ay)) / ((bx - ax) ** 2 + (by - ay) ** 2)),
    );
    best = Math.min(best, Math.hypot(px - (ax + t * (bx - ax)), py - (ay + t * (by - ay))));
  }
  return best;
}

describe(pointInPolygon.name, () => {
  it.each<[Point, boolean]>([
    [[6, 3.5], true],
    [[2.01, 1.01], true],
    [[1.99, 3], false],
    [[11, 3], false],
    [[6, 0.5], false],
    [[6, 7], false],
  ])('tells whether %j is inside a rectangular room (%s)', (point, inside) => {
    expect(pointInPolygon(point, ROOM)).toBe(inside);
  });

  it('treats the cut-away corner of an L-shaped ward as outside', () => {
    expect(pointInPolygon([6, 6], THIN_L)).toBe(false);
    expect(pointInPolygon([1, 9], THIN_L)).toBe(true);
    expect(pointInPolygon([9, 1], THIN_L)).toBe(true);
    expect(pointInPolygon([1, 1], THIN_L)).toBe(true);
  });

  it('gives the same answer whichever way the outline is drawn', () => {
    const reversed = [...THIN_L].reverse();
    for (const p of [
      [6, 6],
      [1, 9],
      [3, 1],
      [11, 1],
    ] as Point[]) {
      expect(pointInPolygon(p, reversed)).toBe(pointInPolygon(p, THIN_L));
    }
  });
});

describe(signedArea.name, () => {
  it('is the area of a room drawn clockwise in floor (y-down) coordinates', () => {
    expect(signedArea(ROOM)).toBe(40);
  });

  it('is negative for the same room drawn the other way round', () => {
    expect(signedArea([...ROOM].reverse())).toBe(-40);
  });

  it('counts only the floor of an L-shape, not the cut-away corner', () => {
    expect(signedArea(THIN_L)).toBe(36);
    expect(signedArea(WIDE_L)).toBe(64);
  });

  it('is zero for a degenerate outline', () => {
    expect(
      signedArea([
        [0, 0],
        [5, 0],
        [10, 0],
      ]),
    ).toBe(0);
  });
});

describe(labelPoint.name, () => {
  it('puts the label of a rectangular room at its centre', () => {
    expect(labelPoint(ROOM)).toEqual([6, 3.5]);
  });

  it('puts the label at the centre whichever way the room is drawn', () => {
    expect(labelPoint([...ROOM].reverse())).toEqual([6, 3.5]);
  });

  it('keeps the label of an L-shaped ward inside it, clear of the walls, when the centroid falls in the cut-away', () => {
    const centroid: Point = [(100 * 5 - 64 * 6) / 36, (100 * 5 - 64 * 6) / 36];
    expect(pointInPolygon(centroid, THIN_L)).toBe(false);

    const label = labelPoint(THIN_L);

    expect(pointInPolygon(label, THIN_L)).toBe(true);
    expect(distanceToEdges(label, THIN_L)).toBeGreaterThanOrEqual(0.5);
  });

  it('keeps the label of a 10 x 10 L with a 6 x 6 cut-away inside the ward', () => {
    const label = labelPoint(WIDE_L);

    expect(pointInPolygon(label, WIDE_L)).toBe(true);
  });

  it('still returns a point for a degenerate outline', () => {
    const label = labelPoint([
      [0, 0],
      [5, 0],
      [10, 0],
    ]);

    expect(label).toHaveLength(2);
    expect(label.every(Number.isFinite)).toBe(true);
  });
});

describe('labelPoint on an L whose centroid hugs the inner corner', () => {
  it('keeps the label at least half a metre from every wall', () => {
    const wideL: Point[] = [
      [0, 0],
      [10, 0],
      [10, 4],
      [4, 4],
      [4, 10],
      [0, 10],
    ];
    const p = labelPoint(wideL);
    expect(pointInPolygon(p, wideL)).toBe(true);
    expect(distanceToEdges(p, wideL)).toBeGreaterThanOrEqual(0.5);
  });
});
