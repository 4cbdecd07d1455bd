import fc from 'fast-check';
import type { Point } from '@wardtrack/contracts';
import {
  buildWalkingGraph,
  DEFAULT_WALKING_COSTS,
  distancesFrom,
  shortestRoute,
  type WalkingGraphInput,
  type WalkingRoute,
} from './walking-graph';

const length = (points: Point[]) =>
  points.slice(1).reduce((sum, p, i) => sum + Math.hypot(p[0] - points[i][0], p[1] - points[i][1]), 0);
const walked = (route: WalkingRoute) => route.legs.reduce((sum, leg) => sum + length(leg.points), 0);

/**
 * One floor, y down:
 *
 *   +--------+--------+
 *   | ROOM-A | ROOM-B |   rooms 10 x 5 m, sharing the wall x = 10
 *   +-d------+------d-+   doors at (2, 5) and (18, 5): far apart
 *   |    CORRIDOR     |   y 5..8
 *   +-----------------+
 */
function twoRooms(extraOpenings: WalkingGraphInput['openings'] = []): WalkingGraphInput {
  return {
    floors: [{ id: 'L0', level: 0 }],
    zones: ['A', 'B', 'CORR', 'CLOSET'].map((id) => ({ id, floorId: 'L0' })),
    openings: [
      { zoneIds: ['A', 'CORR'], at: [2, 5], kind: 'door' },
      { zoneIds: ['B', 'CORR'], at: [18, 5], kind: 'door' },
      ...extraOpenings,
    ],
    verticalLinks: [],
  };
}
const centreA = { zoneId: 'A', x: 5, y: 2.5 };
const centreB = { zoneId: 'B', x: 15, y: 2.5 };

/** Floors 0..n-1, each with a corridor, a room off it, a lift and a staircase at the same place. */
function tower(storeys: number): WalkingGraphInput {
  const floors = Array.from({ length: storeys }, (_, level) => ({ id: `L${level}`, level }));
  const zone = (level: number, name: string) => `L${level}-${name}`;
  return {
    floors,
    zones: floors.flatMap((f) =>
      ['CORR', 'ROOM', 'LIFT', 'STAIRS'].map((name) => ({ id: zone(f.level, name), floorId: f.id })),
    ),
    openings: floors.flatMap((f) => [
      { zoneIds: [zone(f.level, 'ROOM'), zone(f.level, 'CORR')], at: [5, 5] },
      { zoneIds: [zone(f.level, 'LIFT'), zone(f.level, 'CORR')], at: [20, 5] },
      { zoneIds: [zone(f.level, 'STAIRS'), zone(f.level, 'CORR')], at: [25, 5] },
    ]),
    verticalLinks: [
      { kind: 'elevator', zoneIds: floors.map((f) => zone(f.level, 'LIFT')) },
      { kind: 'stairs', zoneIds: floors.map((f) => zone(f.level, 'STAIRS')) },
    ],
  };
}

describe('walking graph', () => {
  it('has a node per door and joins the doors of each zone', () => {
    const graph = buildWalkingGraph(tower(3));
    expect(graph.nodes).toHaveLength(9);
    // per floor: 3 corridor door pairs; lift and stairs: 3 pairs of stops each
    expect(graph.edgeCount).toBe(3 * 3 + 3 + 3);
  });

  it('routes between two rooms off a corridor through both doors, longer than the straight line', () => {
    const route = shortestRoute(buildWalkingGraph(twoRooms()), centreA, centreB)!;
    expect(route.legs).toEqual([
      {
        floorId: 'L0',
        points: [
          [5, 2.5],
          [2, 5],
          [18, 5],
          [15, 2.5],
        ],
      },
    ]);
    expect(route.floorsChanged).toBe(0);
    expect(route.distanceM).toBeCloseTo(2 * Math.hypot(3, 2.5) + 16, 9);
    expect(route.distanceM).toBeGreaterThan(10); // centre to centre through the wall
  });

  it('goes the long way round when the wall between has no door, straight through when it has one', () => {
    const around = shortestRoute(buildWalkingGraph(twoRooms()), centreA, centreB)!;
    const through = shortestRoute(
      buildWalkingGraph(twoRooms([{ zoneIds: ['B', 'A'], at: [10, 2.5], kind: 'door' }])),
      centreA,
      centreB,
    )!;
    expect(through.distanceM).toBeCloseTo(10, 9);
    expect(through.legs[0].points).toEqual([
      [5, 2.5],
      [10, 2.5],
      [15, 2.5],
    ]);
    expect(around.distanceM).toBeGreaterThan(through.distanceM + 10);
  });

  it('walks in a straight line within one zone', () => {
    const route = shortestRoute(buildWalkingGraph(twoRooms()), centreA, { zoneId: 'A', x: 8, y: 6.5 })!;
    expect(route).toEqual({
      distanceM: 5,
      floorsChanged: 0,
      legs: [
        {
          floorId: 'L0',
          points: [
            [5, 2.5],
            [8, 6.5],
          ],
        },
      ],
    });
  });

  it('changes floors through the lift or the stairs, whichever costs less', () => {
    const graph = buildWalkingGraph(tower(3));
    const from = { zoneId: 'L0-ROOM', x: 5, y: 2 };
    const oneUp = shortestRoute(graph, from, { zoneId: 'L1-ROOM', x: 5, y: 2 })!;
    // one storey: 15 m of stairs (20 m along the corridor each way) beat the lift's 30 m (15 m each way)
    expect(oneUp.floorsChanged).toBe(1);
    expect(oneUp.legs.map((l) => l.floorId)).toEqual(['L0', 'L1']);
    expect(oneUp.legs[0].points.at(-1)).toEqual([25, 5]);
    expect(oneUp.distanceM).toBeCloseTo(3 + 20 + 15 + 20 + 3, 9);

    const twoUp = shortestRoute(graph, from, { zoneId: 'L2-ROOM', x: 5, y: 2 })!;
    // two storeys: the lift (25 + 2 * 5 = 35 m, 15 m each way) beats 30 m of stairs (20 m each way)
    expect(twoUp.floorsChanged).toBe(2);
    expect(twoUp.legs).toEqual([
      {
        floorId: 'L0',
        points: [
          [5, 2],
          [5, 5],
          [20, 5],
        ],
      },
      {
        floorId: 'L2',
        points: [
          [20, 5],
          [5, 5],
          [5, 2],
        ],
      },
    ]);
    expect(twoUp.distanceM).toBeCloseTo(3 + 15 + 35 + 15 + 3, 9);
  });

  it('takes the cost of lifts and stairs from its configuration', () => {
    const slowLift = buildWalkingGraph(tower(3), {
      ...DEFAULT_WALKING_COSTS,
      elevator: { perTripM: 200, perFloorM: 0 },
    });
    const route = shortestRoute(slowLift, { zoneId: 'L0-ROOM', x: 5, y: 2 }, { zoneId: 'L2-ROOM', x: 5, y: 2 })!;
    expect(route.legs[0].points.at(-1)).toEqual([25, 5]);
    expect(route.distanceM).toBeCloseTo(3 + 20 + 30 + 20 + 3, 9);
    expect(() =>
      buildWalkingGraph(tower(2), { ...DEFAULT_WALKING_COSTS, stairs: { perTripM: -1, perFloorM: 1 } }),
    ).toThrow(RangeError);
  });

  it('answers null when no route joins the two points', () => {
    const graph = buildWalkingGraph(twoRooms());
    expect(shortestRoute(graph, centreA, { zoneId: 'CLOSET', x: 1, y: 1 })).toBeNull();
    expect(shortestRoute(graph, { zoneId: 'CLOSET', x: 1, y: 1 }, centreA)).toBeNull();
    expect(shortestRoute(graph, centreA, { zoneId: 'NO-SUCH-ZONE', x: 1, y: 1 })).toBeNull();
    expect(distancesFrom(graph, centreA, [{ zoneId: 'CLOSET', x: 1, y: 1 }, centreB])).toEqual([
      null,
      expect.closeTo(2 * Math.hypot(3, 2.5) + 16, 9),
    ]);
  });

  it('gives the distances to many targets in one search, as the routes do', () => {
    const graph = buildWalkingGraph(tower(3));
    const from = { zoneId: 'L0-ROOM', x: 5, y: 2 };
    const targets = [
      { zoneId: 'L2-ROOM', x: 5, y: 2 },
      { zoneId: 'L0-ROOM', x: 8, y: 6 },
      { zoneId: 'L1-CORR', x: 10, y: 6 },
      { zoneId: 'L1-ROOM', x: 5, y: 2 },
    ];
    const distances = distancesFrom(graph, from, targets);
    expect(distances[1]).toBe(5);
    targets.forEach((t, i) => expect(distances[i]).toBeCloseTo(shortestRoute(graph, from, t)!.distanceM, 9));
  });

  it('is deterministic', () => {
    const input = tower(4);
    const a = shortestRoute(
      buildWalkingGraph(input),
      { zoneId: 'L0-ROOM', x: 5, y: 2 },
      { zoneId: 'L3-CORR', x: 1, y: 6 },
    );
    const b = shortestRoute(
      buildWalkingGraph(input),
      { zoneId: 'L0-ROOM', x: 5, y: 2 },
      { zoneId: 'L3-CORR', x: 1, y: 6 },
    );
    expect(a).toEqual(b);
  });

  describe('on random floors', () => {
    const ZONES = 8;
    const coordinate = fc.double({ min: 0, max: 100, noNaN: true });
    const point = fc.tuple(coordinate, coordinate);
    const zone = fc.nat({ max: ZONES - 1 });
    const opening = fc
      .record({ a: zone, b: zone, at: point })
      .filter(({ a, b }) => a !== b)
      .map(({ a, b, at }) => ({ zoneIds: [`Z${a}`, `Z${b}`] as [string, string], at }));
    const floor = fc.array(opening, { maxLength: 25 }).map((openings): WalkingGraphInput => ({
      floors: [{ id: 'F', level: 0 }],
      zones: Array.from({ length: ZONES }, (_, i) => ({ id: `Z${i}`, floorId: 'F' })),
      openings,
      verticalLinks: [],
    }));
    const end = fc.record({ zoneId: zone.map((z) => `Z${z}`), x: coordinate, y: coordinate });

    it('never routes shorter than the straight line, and the same both ways', () => {
      fc.assert(
        fc.property(floor, end, end, (input, from, to) => {
          const graph = buildWalkingGraph(input);
          const there = shortestRoute(graph, from, to);
          const back = shortestRoute(graph, to, from);
          expect(back === null).toBe(there === null);
          if (!there || !back) return;
          expect(there.distanceM).toBeGreaterThanOrEqual(Math.hypot(from.x - to.x, from.y - to.y) - 1e-9);
          expect(Math.abs(there.distanceM - back.distanceM)).toBeLessThan(1e-9);
          expect(Math.abs(walked(there) - there.distanceM)).toBeLessThan(1e-9);
          expect(there.legs[0].points[0]).toEqual([from.x, from.y]);
          expect(there.legs.at(-1)!.points.at(-1)).toEqual([to.x, to.y]);
        }),
        { numRuns: 300 },
      );
    });

    it('gives the same distances in one search as route by route', () => {
      fc.assert(
        fc.property(floor, end, fc.array(end, { maxLength: 6 }), (input, from, targets) => {
          const graph = buildWalkingGraph(input);
          const distances = distancesFrom(graph, from, targets);
          targets.forEach((t, i) => {
            const route = shortestRoute(graph, from, t);
            if (route === null) expect(distances[i]).toBeNull();
            else expect(Math.abs(distances[i]! - route.distanceM)).toBeLessThan(1e-9);
          });
        }),
        { numRuns: 200 },
      );
    });
  });
});
