import type { Point } from '@wardtrack/contracts';
import {
  sitePlanFromGeoJson,
  type FeatureCollection,
  type GeoJsonFeature,
  type GeoJsonSiteInput,
} from './geojson-import';
import { checkSitePlan, distanceToSegment, formatProblem } from './plan-check';
import { renderFloorSvg } from './plan-render';

/** A closed GeoJSON ring of a rectangle, shifted by (dx, dy), with y pointing down. */
const ring = (x0: number, y0: number, x1: number, y1: number): Point[] => [
  [x0, y0],
  [x1, y0],
  [x1, y1],
  [x0, y1],
  [x0, y0],
];
const room = (properties: Record<string, unknown>, coordinates: Point[][]): GeoJsonFeature => ({
  type: 'Feature',
  geometry: { type: 'Polygon', coordinates },
  properties,
});
const door = (between: [string, string], at: Point, kind = 'door'): GeoJsonFeature => ({
  type: 'Feature',
  geometry: { type: 'Point', coordinates: at },
  properties: { kind, between },
});

/** Three rooms north of a corridor, drawn in a CAD frame with its origin far away (y down). */
function ward(dx = 1000, dy = 500): FeatureCollection {
  return {
    type: 'FeatureCollection',
    features: [
      room({ code: 'G-R1', name: 'Room 1', kind: 'room', careUnit: 'Ward 1' }, [ring(dx, dy, dx + 5, dy + 6)]),
      room({ id: 'G-R2', name: 'Room 2', kind: 'room', unit: 'Ward 1' }, [ring(dx + 5, dy, dx + 10, dy + 6)]),
      { ...room({ name: 'Store', kind: 'equipment_store' }, [ring(dx + 10, dy, dx + 14, dy + 6)]), id: 'G-STORE' },
      room({ code: 'G-CORR', name: 'Corridor', kind: 'corridor' }, [ring(dx, dy + 6, dx + 14, dy + 8.5)]),
      door(['G-R1', 'G-CORR'], [dx + 2.5, dy + 6]),
      door(['G-R2', 'G-CORR'], [dx + 7.5, dy + 6]),
      door(['G-STORE', 'G-CORR'], [dx + 12, dy + 6], 'opening'),
    ],
  };
}

const input = (geojson: FeatureCollection): GeoJsonSiteInput => ({
  site: { code: 'geo-clinic', name: 'Geo Clinic', timeZone: 'Europe/Paris' },
  building: { code: 'north', name: 'North Wing' },
  floors: [{ code: 'G', name: 'Ground', level: 0, geojson }],
});

describe('sitePlanFromGeoJson', () => {
  it('turns rooms, a corridor and door points into a plan that passes the check', () => {
    const { plan, problems } = sitePlanFromGeoJson(input(ward()));
    expect(problems).toEqual([]);
    expect(checkSitePlan(plan).map(formatProblem)).toEqual([]);
    const floor = plan.buildings[0].floors[0];
    expect(floor).toMatchObject({ code: 'G', name: 'Ground', level: 0, widthM: 14, heightM: 8.5, plan: 'G.svg' });
    expect(floor.zones.map((z) => [z.code, z.name, z.kind, z.careUnit])).toEqual([
      ['G-R1', 'Room 1', 'room', 'Ward 1'],
      ['G-R2', 'Room 2', 'room', 'Ward 1'],
      ['G-STORE', 'Store', 'equipment_store', null],
      ['G-CORR', 'Corridor', 'corridor', null],
    ]);
    // origin moved to the bounding box corner, closing point dropped
    expect(floor.zones[0].polygon).toEqual([
      [0, 0],
      [5, 0],
      [5, 6],
      [0, 6],
    ]);
    expect(floor.openings).toEqual([
      { kind: 'door', between: ['G-R1', 'G-CORR'], at: [2.5, 6] },
      { kind: 'door', between: ['G-R2', 'G-CORR'], at: [7.5, 6] },
      { kind: 'opening', between: ['G-STORE', 'G-CORR'], at: [12, 6] },
    ]);
    expect(plan).toMatchObject({ formatVersion: 1, verticalLinks: [], devices: [] });
  });

  it('gives a plan the renderer draws, with a door gap at every door point', () => {
    const { plan } = sitePlanFromGeoJson(input(ward()));
    const svg = renderFloorSvg(plan, 'G');
    for (const code of ['G-R1', 'G-R2', 'G-STORE', 'G-CORR']) expect(svg).toContain(`id="zone-${code}"`);
    expect(svg).toContain('viewBox="0 0 14 8.5"');
    const walls = [...svg.matchAll(/<path id="walls-\w+" d="([^"]*)"/g)].flatMap((m) =>
      [...m[1].matchAll(/M([\d.]+) ([\d.]+)L([\d.]+) ([\d.]+)/g)].map((w): [Point, Point] => [
        [Number(w[1]), Number(w[2])],
        [Number(w[3]), Number(w[4])],
      ]),
    );
    expect(walls.length).toBeGreaterThan(4);
    for (const o of plan.buildings[0].floors[0].openings ?? [])
      expect(walls.filter(([a, b]) => distanceToSegment(o.at, a, b) < 0.3)).toEqual([]);
  });

  it('flips a y-up drawing with the floor height', () => {
    const down = sitePlanFromGeoJson(input(ward(0, 0))).plan;
    // The same ward as CAD draws it: y up, so the rooms (north) have the larger y.
    const mirrored = ward(0, 0);
    for (const f of mirrored.features) {
      const g = f.geometry!;
      if (g.type === 'Point') g.coordinates = [(g.coordinates as Point)[0], 100 - (g.coordinates as Point)[1]];
      else g.coordinates = (g.coordinates as Point[][]).map((r) => r.map(([x, y]): Point => [x, 100 - y]));
    }
    const up = sitePlanFromGeoJson(input(mirrored), { yAxis: 'up' });
    expect(up.problems).toEqual([]);
    expect(up.plan).toEqual(down);
    // Read as y-down it comes out upside down: the corridor on top.
    const wrong = sitePlanFromGeoJson(input(mirrored)).plan.buildings[0].floors[0].zones;
    expect(wrong.find((z) => z.code === 'G-CORR')!.polygon.every(([, y]) => y <= 2.5)).toBe(true);
  });

  it('rejects a polygon with a hole', () => {
    const fc = ward();
    fc.features.push(room({ code: 'G-DONUT', kind: 'room' }, [ring(0, 20, 10, 30), ring(2, 22, 4, 24)]));
    const { plan, problems } = sitePlanFromGeoJson(input(fc));
    expect(problems).toEqual([
      {
        severity: 'error',
        where: 'floors[0].geojson.features[7]',
        code: 'G-DONUT',
        message: 'polygon has 1 hole(s): zones cannot have holes, split it into zones without holes',
      },
    ]);
    expect(plan.buildings[0].floors[0].zones.map((z) => z.code)).not.toContain('G-DONUT');
  });

  it('imports a missing or unknown kind as a room, with a warning', () => {
    const fc = ward();
    fc.features[0].properties!.kind = 'patient_room';
    delete fc.features[1].properties!.kind;
    const { plan, problems } = sitePlanFromGeoJson(input(fc));
    expect(problems.map(formatProblem)).toEqual([
      'WARNING floors[0].geojson.features[0] (G-R1): unknown zone kind "patient_room": imported as room',
      'WARNING floors[0].geojson.features[1] (G-R2): no kind: imported as room',
    ]);
    expect(plan.buildings[0].floors[0].zones.slice(0, 2).map((z) => z.kind)).toEqual(['room', 'room']);
  });

  it('accepts a single-polygon MultiPolygon and rejects one of several polygons', () => {
    const fc = ward();
    fc.features.push(
      {
        type: 'Feature',
        geometry: { type: 'MultiPolygon', coordinates: [[ring(1000, 508.5, 1004, 512)]] },
        properties: { code: 'G-MULTI', kind: 'room' },
      },
      {
        type: 'Feature',
        geometry: { type: 'MultiPolygon', coordinates: [[ring(0, 0, 1, 1)], [ring(2, 2, 3, 3)]] },
        properties: { code: 'G-TWO', kind: 'room' },
      },
    );
    const { plan, problems } = sitePlanFromGeoJson(input(fc));
    expect(plan.buildings[0].floors[0].zones.map((z) => z.code)).toContain('G-MULTI');
    expect(problems.map((p) => `${p.code}: ${p.message}`)).toEqual([
      'G-TWO: MultiPolygon of 2 polygons: a zone is one polygon',
    ]);
  });

  it('reports features it cannot use', () => {
    const fc = ward();
    fc.features.push(
      { type: 'Feature', geometry: { type: 'LineString', coordinates: [] }, properties: {} },
      { type: 'Feature', geometry: { type: 'Point', coordinates: [1, 1] }, properties: { kind: 'beacon' } },
      room({ name: 'No code' }, [ring(0, 0, 1, 1)]),
    );
    expect(sitePlanFromGeoJson(input(fc)).problems.map((p) => `${p.severity}: ${p.message}`)).toEqual([
      'warning: LineString ignored: zones are Polygons, doors are Points',
      'warning: Point without kind "door" and between: [codeA, codeB]: ignored',
      'error: polygon without a code (properties.code, properties.id or the feature id)',
    ]);
  });

  it('joins stairs and lifts of several floors by their verticalLink property', () => {
    const floor = (y: number): FeatureCollection => ({
      type: 'FeatureCollection',
      features: [
        room({ code: `F${y}-C`, kind: 'corridor' }, [ring(0, 0, 10, 3)]),
        room({ code: `F${y}-LIFT`, kind: 'elevator', verticalLink: 'LIFT-A' }, [ring(0, 3, 3, 6)]),
        door([`F${y}-LIFT`, `F${y}-C`], [1.5, 3]),
      ],
    });
    const { plan, problems } = sitePlanFromGeoJson({
      ...input(floor(1)),
      floors: [
        { code: 'F1', name: 'One', level: 1, geojson: floor(1) },
        { code: 'F0', name: 'Zero', level: 0, geojson: floor(0) },
      ],
    });
    expect(problems).toEqual([]);
    expect(plan.verticalLinks).toEqual([{ kind: 'elevator', code: 'LIFT-A', zones: ['F0-LIFT', 'F1-LIFT'] }]);
    expect(checkSitePlan(plan)).toEqual([]);
  });
});
