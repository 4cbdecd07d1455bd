import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import fc from 'fast-check';
import type { Point } from '@wardtrack/contracts';
import { checkCoverage, checkSitePlan, formatProblem, intersectionArea, type PlanProblem } from './plan-check';
import type { SitePlan } from './site-plan';

const rect = (x0: number, y0: number, x1: number, y1: number): Point[] => [
  [x0, y0],
  [x1, y0],
  [x1, y1],
  [x0, y1],
];

/**
 * Two floors 20 m x 12 m. F1: two rooms and a bed bay north of a corridor, stairs south-west;
 * F2: the stairs and a corridor. One reader, three gateways in the F1 corridor.
 */
function validPlan(): SitePlan {
  return {
    formatVersion: 1,
    site: { code: 'test-site', name: 'Test Hospital', timeZone: 'Europe/London' },
    buildings: [
      {
        code: 'main',
        name: 'Main',
        floors: [
          {
            code: 'F1',
            name: 'First',
            level: 1,
            widthM: 20,
            heightM: 12,
            plan: 'F1.svg',
            zones: [
              { code: 'F1-R1', name: 'Room 1', kind: 'room', careUnit: 'Ward', polygon: rect(0, 0, 6, 5) },
              { code: 'F1-R2', name: 'Room 2', kind: 'room', careUnit: 'Ward', polygon: rect(6, 0, 12, 5) },
              { code: 'F1-BAY', name: 'Bay', kind: 'bay', careUnit: 'Ward', polygon: rect(12, 0, 20, 5) },
              { code: 'F1-C', name: 'Corridor', kind: 'corridor', careUnit: null, polygon: rect(0, 5, 20, 8) },
              { code: 'F1-S', name: 'Stairs', kind: 'stairs', careUnit: null, polygon: rect(0, 8, 4, 12) },
            ],
            openings: [
              { kind: 'door', between: ['F1-R1', 'F1-C'], at: [3, 5] },
              { kind: 'door', between: ['F1-R2', 'F1-C'], at: [9, 5] },
              { kind: 'opening', between: ['F1-BAY', 'F1-C'], at: [16, 5] },
              { kind: 'door', between: ['F1-S', 'F1-C'], at: [2, 8] },
            ],
          },
          {
            code: 'F2',
            name: 'Second',
            level: 2,
            widthM: 20,
            heightM: 12,
            plan: 'F2.svg',
            zones: [
              { code: 'F2-C', name: 'Corridor 2', kind: 'corridor', careUnit: null, polygon: rect(0, 5, 20, 8) },
              { code: 'F2-S', name: 'Stairs 2', kind: 'stairs', careUnit: null, polygon: rect(0, 8, 4, 12) },
            ],
            openings: [{ kind: 'door', between: ['F2-S', 'F2-C'], at: [2, 8] }],
          },
        ],
      },
    ],
    verticalLinks: [{ kind: 'stairs', code: 'STAIRS-A', zones: ['F1-S', 'F2-S'] }],
    devices: [
      {
        code: 'RDR-1',
        kind: 'rfid_reader',
        name: 'Reader',
        vendorFormat: 'impinj-iot',
        floor: 'F1',
        at: [10, 6.5],
        antennas: [
          { port: 1, zone: 'F1-R1' },
          { port: 2, zone: 'F1-R2' },
        ],
      },
      ...[4, 10, 16].map((x, i) => ({
        code: `GW-${i + 1}`,
        kind: 'ble_gateway' as const,
        name: `Gateway ${i + 1}`,
        vendorFormat: 'minew',
        floor: 'F1',
        at: [x, 6.5] as Point,
      })),
    ],
  };
}

const floor1 = (plan: SitePlan) => plan.buildings[0].floors[0];
const errors = (plan: SitePlan) => checkSitePlan(plan).filter((p) => p.severity === 'error');
const lines = (problems: PlanProblem[]) => problems.map(formatProblem);

describe('checkSitePlan', () => {
  it('accepts a valid plan', () => {
    expect(checkSitePlan(validPlan())).toEqual([]);
    expect(checkCoverage(validPlan())).toEqual([]);
  });

  it('reports overlapping zones with the overlap area', () => {
    const plan = validPlan();
    floor1(plan).zones[1].polygon = rect(5, 0, 12, 5); // 1 m into Room 1
    expect(lines(errors(plan))).toEqual(['ERROR buildings[0].floors[0].zones[0] (F1-R1): overlaps F1-R2 by 5.00 m²']);
  });

  it('measures overlaps of L-shapes and slanted polygons exactly', () => {
    const thinL: Point[] = [
      [0, 0],
      [10, 0],
      [10, 2],
      [2, 2],
      [2, 10],
      [0, 10],
    ];
    expect(intersectionArea(thinL, rect(1, 1, 5, 5))).toBeCloseTo(7, 9);
    expect(intersectionArea(thinL, rect(3, 3, 9, 9))).toBe(0); // in the notch
    const diamond: Point[] = [
      [0, -1],
      [1, 0],
      [0, 1],
      [-1, 0],
    ];
    expect(intersectionArea(diamond, rect(0, -1, 2, 1))).toBeCloseTo(1, 9);
    expect(intersectionArea(diamond, [...diamond].reverse())).toBeCloseTo(2, 9);
  });

  it('lets zones touch along an edge or a corner', () => {
    const plan = validPlan();
    floor1(plan).zones.push({ code: 'F1-X', name: 'Corner', kind: 'room', careUnit: null, polygon: rect(4, 8, 6, 10) });
    floor1(plan).openings!.push({ kind: 'door', between: ['F1-X', 'F1-C'], at: [5, 8] });
    expect(errors(plan)).toEqual([]);
  });

  it('reports a zone outside its floor', () => {
    const plan = validPlan();
    floor1(plan).zones[2].polygon = rect(12, 0, 21, 5);
    expect(lines(errors(plan))).toEqual([
      'ERROR buildings[0].floors[0].zones[2] (F1-BAY): outside the floor extent 20 × 12 m: point [21, 0] and 1 more',
    ]);
  });

  it('reports a self-intersecting or closed polygon', () => {
    const plan = validPlan();
    floor1(plan).zones[0].polygon = [
      [0, 0],
      [6, 5],
      [6, 0],
      [0, 5],
    ];
    floor1(plan).zones[1].polygon = [...rect(6, 0, 12, 5), [6, 0]];
    const messages = errors(plan).map((p) => `${p.code}: ${p.message}`);
    expect(messages).toContain('F1-R1: polygon is not simple: edges 0 and 2 touch or cross');
    expect(messages).toContain('F1-R2: polygon is closed: do not repeat the first point at the end');
  });

  it('reports a device whose point lies in no zone', () => {
    const plan = validPlan();
    plan.devices![1].at = [10, 11];
    expect(lines(errors(plan))).toEqual(['ERROR devices[1] (GW-1): at [10, 11] lies in no zone of floor F1']);
  });

  it('reports antennas pointing to unknown zones or zones of another floor', () => {
    const plan = validPlan();
    plan.devices![0].antennas = [
      { port: 1, zone: 'F1-NOPE' },
      { port: 2, zone: 'F2-C' },
    ];
    expect(lines(errors(plan))).toEqual([
      'ERROR devices[0].antennas[0] (RDR-1): antenna port 1 points to unknown zone F1-NOPE',
      'ERROR devices[0].antennas[1] (RDR-1): antenna port 2 points to zone F2-C on floor F2, not F1',
    ]);
  });

  it('reports a device on an unknown floor', () => {
    const plan = validPlan();
    plan.devices![3].floor = 'F9';
    expect(lines(errors(plan))).toEqual(['ERROR devices[3] (GW-3): floor F9 does not exist']);
  });

  it('reports an opening whose point is not on the shared edge', () => {
    const plan = validPlan();
    floor1(plan).openings![0].at = [3, 4];
    expect(lines(errors(plan))).toEqual([
      'ERROR buildings[0].floors[0].openings[0] (F1-R1): at [3, 4] is not on the edge shared by F1-R1 and F1-C ' +
        '(nearest shared edge [0, 5]–[6, 5] is 1 m away)',
    ]);
  });

  it('accepts an opening point within 5 cm of the shared edge', () => {
    const plan = validPlan();
    floor1(plan).openings![0].at = [3, 5.04];
    expect(errors(plan)).toEqual([]);
  });

  it('reports openings between zones that share no edge, unknown zones or zones on another floor', () => {
    const plan = validPlan();
    floor1(plan).openings!.push(
      { kind: 'door', between: ['F1-R1', 'F1-BAY'], at: [12, 2] },
      { kind: 'door', between: ['F1-R1', 'F1-GHOST'], at: [6, 2] },
      { kind: 'door', between: ['F1-C', 'F2-C'], at: [10, 5] },
    );
    expect(errors(plan).map((p) => p.message)).toEqual([
      'F1-R1 and F1-BAY share no edge, so no opening can join them',
      'opening refers to unknown zone F1-GHOST',
      'zone F2-C is on floor F2, not on F1: openings join zones of their own floor',
    ]);
  });

  it('reports a shared edge too short for an opening', () => {
    const plan = validPlan();
    floor1(plan).zones.push({ code: 'F1-N', name: 'Niche', kind: 'room', careUnit: null, polygon: rect(4, 8, 4.3, 9) });
    floor1(plan).openings!.push({ kind: 'door', between: ['F1-N', 'F1-C'], at: [4.15, 8] });
    expect(errors(plan).map((p) => p.message)).toEqual([
      'shared edge of F1-N and F1-C at [4.15, 8] is 0.3 m long, less than 0.5 m',
    ]);
  });

  it('reports vertical links to unknown zones or zones that are not stairs or lifts', () => {
    const plan = validPlan();
    plan.verticalLinks = [{ kind: 'stairs', code: 'STAIRS-A', zones: ['F1-S', 'F2-C', 'F3-S'] }];
    expect(lines(errors(plan))).toEqual([
      'ERROR verticalLinks[0] (STAIRS-A): zone F2-C is a corridor zone, not stairs or elevator',
      'ERROR verticalLinks[0] (STAIRS-A): refers to unknown zone F3-S',
      'ERROR buildings[0].floors[1].zones[1] (F2-S): stairs zone is in no vertical link',
    ]);
  });

  it('reports each disconnected part of the walking graph with some of its zones', () => {
    const plan = validPlan();
    floor1(plan).openings = floor1(plan).openings!.filter((o) => o.between[0] !== 'F1-BAY');
    plan.verticalLinks = [];
    plan.buildings[0].floors[1].zones[1].kind = 'room'; // so the unlinked stairs are not the finding
    floor1(plan).zones[4].kind = 'room';
    expect(lines(errors(plan))).toEqual([
      'ERROR buildings[0].floors[0].zones[2] (F1-BAY): walking graph is disconnected: 1 zone (F1-BAY) cannot be ' +
        'reached from the other 4 zones (e.g. F1-R1) through openings and vertical links',
      'ERROR buildings[0].floors[1].zones[0] (F2-C): walking graph is disconnected: 2 zones (F2-C, F2-S) cannot be ' +
        'reached from the other 4 zones (e.g. F1-R1) through openings and vertical links',
    ]);
  });

  it('lists a few codes of a large disconnected part', () => {
    const plan = validPlan();
    const f2 = plan.buildings[0].floors[1];
    for (let i = 0; i < 6; i++) {
      f2.zones.push({
        code: `F2-R${i}`,
        name: `R${i}`,
        kind: 'room',
        careUnit: null,
        polygon: rect(i * 3, 0, i * 3 + 3, 5),
      });
      f2.openings!.push({ kind: 'door', between: [`F2-R${i}`, 'F2-C'], at: [i * 3 + 1.5, 5] });
    }
    for (let i = 0; i < 4; i++) {
      floor1(plan).zones.push({
        code: `F1-S${i}`,
        name: `S${i}`,
        kind: 'room',
        careUnit: null,
        polygon: rect(4 + i * 4, 8, 8 + i * 4, 12),
      });
      floor1(plan).openings!.push({ kind: 'door', between: [`F1-S${i}`, 'F1-C'], at: [6 + i * 4, 8] });
    }
    plan.verticalLinks = [];
    for (const f of plan.buildings[0].floors) f.zones.find((z) => z.kind === 'stairs')!.kind = 'room';
    const [problem, ...more] = errors(plan);
    expect(more).toEqual([]);
    expect(problem.message).toContain('8 zones (F2-C, F2-S, F2-R0, F2-R1, F2-R2, … (3 more)) cannot be reached');
  });

  it('reports duplicate codes', () => {
    const plan = validPlan();
    floor1(plan).zones[1].code = 'F1-R1';
    plan.devices![2].code = 'GW-1';
    const found = lines(errors(plan));
    expect(found).toContain(
      'ERROR buildings[0].floors[0].zones[1] (F1-R1): duplicate zone code (also buildings[0].floors[0].zones[0])',
    );
    expect(found).toContain('ERROR devices[2] (GW-1): duplicate device code (also devices[1])');
  });

  it('reports JSON Schema violations with their path', () => {
    const plan = validPlan() as unknown as { buildings: { floors: { zones: Record<string, unknown>[] }[] }[] };
    plan.buildings[0].floors[0].zones[0].kind = 'ward';
    delete plan.buildings[0].floors[0].zones[1].careUnit;
    const found = lines(checkSitePlan(plan as unknown as SitePlan));
    expect(found).toContain(
      'ERROR buildings[0].floors[0].zones[0].kind (F1-R1): schema: must be equal to one of the allowed values: room, bay, corridor, ' +
        'doorway, nurse_station, supply_room, cabinet, central_supply, clean_utility, soiled_utility, equipment_store, ' +
        'biomed_workshop, exit, loading_dock, linen, waste, stairs, elevator',
    );
    expect(found).toContain(
      "ERROR buildings[0].floors[0].zones[1] (F1-R2): schema: must have required property 'careUnit'",
    );
  });

  it('survives plans too broken for the schema', () => {
    const broken = { formatVersion: 2, buildings: [{ floors: [{ zones: [{ polygon: 'no' }, null] }] }], devices: 3 };
    const problems = checkSitePlan(broken as unknown as SitePlan);
    expect(problems.length).toBeGreaterThan(0);
    expect(problems.every((p) => p.severity === 'error')).toBe(true);
  });
});

describe('checkCoverage', () => {
  it('warns about rooms and bays heard by fewer than 3 gateways', () => {
    const plan = validPlan();
    plan.devices = plan.devices!.filter((d) => d.code !== 'GW-3');
    expect(checkCoverage(plan)).toEqual([
      {
        severity: 'warning',
        where: 'buildings[0].floors[0].zones[0]',
        code: 'F1-R1',
        message: 'heard by 2 BLE gateways within 15 m (GW-1, GW-2), needs at least 3',
      },
      {
        severity: 'warning',
        where: 'buildings[0].floors[0].zones[1]',
        code: 'F1-R2',
        message: 'heard by 2 BLE gateways within 15 m (GW-1, GW-2), needs at least 3',
      },
      {
        severity: 'warning',
        where: 'buildings[0].floors[0].zones[2]',
        code: 'F1-BAY',
        message: 'heard by 2 BLE gateways within 15 m (GW-1, GW-2), needs at least 3',
      },
    ]);
    expect(checkSitePlan(plan)).toEqual([]); // coverage is advice, not an error
  });

  it('takes the radius and the number of gateways as options', () => {
    const plan = validPlan();
    const bay = checkCoverage(plan, { radiusM: 12 }).map((p) => `${p.code}: ${p.message}`);
    expect(bay).toEqual([
      'F1-R1: heard by 2 BLE gateways within 12 m (GW-1, GW-2), needs at least 3',
      'F1-BAY: heard by 2 BLE gateways within 12 m (GW-2, GW-3), needs at least 3',
    ]);
    expect(checkCoverage(plan, { minGateways: 4 })).toHaveLength(3);
    expect(checkCoverage(plan, { minGateways: 1 })).toEqual([]);
  });

  it('only counts gateways of the same floor', () => {
    const plan = validPlan();
    for (const d of plan.devices!) if (d.kind === 'ble_gateway') d.floor = 'F2';
    expect(checkCoverage(plan).map((p) => p.code)).toEqual(['F1-R1', 'F1-R2', 'F1-BAY']);
  });
});

describe('the demo hospital', () => {
  const demo = JSON.parse(
    readFileSync(resolve(__dirname, '../../../floorplans/demo-hospital/site.json'), 'utf8'),
  ) as SitePlan;

  it('passes every check, coverage included', () => {
    expect(lines(checkSitePlan(demo))).toEqual([]);
    expect(lines(checkCoverage(demo))).toEqual([]);
  });

  it('keeps its 31 RFID readers and has BLE gateways of the supported formats', () => {
    const devices = demo.devices ?? [];
    expect(devices.filter((d) => d.kind === 'rfid_reader')).toHaveLength(31);
    const gateways = devices.filter((d) => d.kind === 'ble_gateway');
    expect(gateways.length).toBeGreaterThan(13);
    expect(new Set(gateways.map((g) => g.vendorFormat))).toEqual(new Set(['minew', 'ingics', 'cassia', 'ruuvi']));
  });
});

describe('overlap detection (property)', () => {
  /** A grid of touching rectangles: column widths and row heights from the arbitraries, in 0.1 m steps. */
  const grid = fc.record({
    widths: fc.array(fc.integer({ min: 5, max: 100 }), { minLength: 1, maxLength: 5 }),
    heights: fc.array(fc.integer({ min: 5, max: 100 }), { minLength: 1, maxLength: 4 }),
    offset: fc.integer({ min: 0, max: 50 }),
  });

  function gridPlan(widths: number[], heights: number[], offset: number): SitePlan {
    const plan = validPlan();
    const xs = widths.reduce((acc, w) => [...acc, acc[acc.length - 1] + w / 10], [offset / 10]);
    const ys = heights.reduce((acc, h) => [...acc, acc[acc.length - 1] + h / 10], [offset / 10]);
    const zones = floor1(plan).zones.slice(0, 0);
    for (let j = 0; j + 1 < ys.length; j++)
      for (let i = 0; i + 1 < xs.length; i++)
        zones.push({
          code: `Z-${i}-${j}`,
          name: 'Cell',
          kind: 'room',
          careUnit: null,
          polygon: rect(xs[i], ys[j], xs[i + 1], ys[j + 1]),
        });
    Object.assign(floor1(plan), { zones, openings: [], widthM: xs[xs.length - 1] + 1, heightM: ys[ys.length - 1] + 1 });
    plan.devices = [];
    return plan;
  }
  const overlaps = (plan: SitePlan) => checkSitePlan(plan).filter((p) => p.message.startsWith('overlaps'));

  it('never reports overlaps in a grid of touching rectangles', () => {
    fc.assert(
      fc.property(grid, ({ widths, heights, offset }) => {
        expect(overlaps(gridPlan(widths, heights, offset))).toEqual([]);
      }),
      { numRuns: 150 },
    );
  });

  it('always reports moving one rectangle onto another', () => {
    fc.assert(
      fc.property(
        grid.filter(({ widths, heights }) => widths.length * heights.length >= 2),
        fc.nat(),
        fc.nat(),
        fc.double({ min: 0, max: 0.5, noNaN: true }),
        fc.double({ min: 0, max: 0.5, noNaN: true }),
        ({ widths, heights, offset }, a, b, fx, fy) => {
          const plan = gridPlan(widths, heights, offset);
          const zones = floor1(plan).zones;
          const moved = zones[a % zones.length];
          const others = zones.filter((z) => z !== moved);
          const target = others[b % others.length];
          const [[mx0, my0], , [mx1, my1]] = moved.polygon;
          const [[tx0, ty0], , [tx1, ty1]] = target.polygon;
          const [x, y] = [tx0 + fx * (tx1 - tx0), ty0 + fy * (ty1 - ty0)];
          moved.polygon = rect(x, y, x + (mx1 - mx0), y + (my1 - my0));
          const found = overlaps(plan).some(
            (p) =>
              (p.code === moved.code && p.message.includes(`overlaps ${target.code} `)) ||
              (p.code === target.code && p.message.includes(`overlaps ${moved.code} `)),
          );
          expect(found).toBe(true);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('computes the overlap of two rectangles as the product of the overlapping spans', () => {
    const coord = fc.integer({ min: 0, max: 400 }).map((v) => v / 10);
    const box = fc
      .tuple(coord, coord, coord, coord)
      .map(([a, b, c, d]) => rect(Math.min(a, c), Math.min(b, d), Math.max(a, c) + 0.1, Math.max(b, d) + 0.1));
    fc.assert(
      fc.property(box, box, (p, q) => {
        const span = (a0: number, a1: number, b0: number, b1: number) =>
          Math.max(0, Math.min(a1, b1) - Math.max(a0, b0));
        const expected = span(p[0][0], p[2][0], q[0][0], q[2][0]) * span(p[0][1], p[2][1], q[0][1], q[2][1]);
        expect(intersectionArea(p, q)).toBeCloseTo(expected, 6);
      }),
      { numRuns: 300 },
    );
  });
});
