import {
  SPREAD_SPACING_M,
  floorToLatLng,
  latLngToFloor,
  panLimits,
  planBounds,
  spreadOffset,
  spreadSpacingAt,
} from './map-geometry';

describe('map geometry', () => {
  describe(floorToLatLng.name, () => {
    it('puts the plan’s top-left corner at the top-left of the map', () => {
      expect(floorToLatLng({ x: 0, y: 0 }, 40)).toEqual([40, 0]);
    });

    it('puts the bottom-right corner at the map origin’s right', () => {
      expect(floorToLatLng({ x: 60, y: 40 }, 40)).toEqual([0, 60]);
    });

    it('keeps metres: a point 15 m right and 10 m down on a 40 m tall floor', () => {
      expect(floorToLatLng({ x: 15, y: 10 }, 40)).toEqual([30, 15]);
    });

    it('is undone by latLngToFloor', () => {
      expect(latLngToFloor(floorToLatLng({ x: 12.5, y: 33.25 }, 40), 40)).toEqual({ x: 12.5, y: 33.25 });
    });
  });

  it('lays the plan image over exactly the floor’s extent', () => {
    expect(planBounds(60, 40)).toEqual([
      [0, 0],
      [40, 60],
    ]);
  });

  it('lets the map pan a quarter of the floor beyond each edge', () => {
    expect(panLimits(60, 40)).toEqual([
      [-15, -15],
      [55, 75],
    ]);
  });

  describe(spreadOffset.name, () => {
    it('leaves the first tag on the reported point', () => {
      expect(spreadOffset(0)).toEqual({ x: 0, y: 0 });
    });

    it('places the second tag one spacing straight up on the plan', () => {
      expect(spreadOffset(1)).toEqual({ x: 0, y: -SPREAD_SPACING_M });
    });

    it('gives 19 tags 19 distinct places, none closer than about one spacing', () => {
      const points = Array.from({ length: 19 }, (_, slot) => spreadOffset(slot));
      for (let a = 0; a < points.length; a++) {
        for (let b = a + 1; b < points.length; b++) {
          const distance = Math.hypot(points[a].x - points[b].x, points[a].y - points[b].y);
          expect(distance).toBeGreaterThan(SPREAD_SPACING_M * 0.9);
        }
      }
    });

    it('keeps the first ring within one spacing and the second within two', () => {
      for (let slot = 1; slot <= 6; slot++) {
        const { x, y } = spreadOffset(slot);
        expect(Math.hypot(x, y)).toBeCloseTo(SPREAD_SPACING_M, 2);
      }
      for (let slot = 7; slot <= 18; slot++) {
        const { x, y } = spreadOffset(slot);
        expect(Math.hypot(x, y)).toBeCloseTo(2 * SPREAD_SPACING_M, 2);
      }
    });
  });
});

describe(spreadSpacingAt.name, () => {
  it('keeps spread tags a marker apart on screen when zoomed out (4 px per metre)', () => {
    expect(spreadSpacingAt(2, 20)).toBe(5);
  });

  it('keeps them close to their point when zoomed in', () => {
    expect(spreadSpacingAt(6, 20)).toBe(SPREAD_SPACING_M);
  });
});
