import { ZONE_KINDS, type Point, type ZoneKind } from '@wardtrack/contracts';
import type { PlanProblem } from './plan-check';
import type { SitePlan } from './site-plan';

/**
 * Builds a site plan (format 1) from floor outlines exported as GeoJSON, e.g. from a CAD or
 * indoor-mapping tool. Pure: the caller reads the files (see floorplans.cli.ts import-geojson).
 *
 * Assumptions, documented in floorplans/README.md:
 * - Coordinates are already metres in a local, metric frame of the building (a hospital exports
 *   its CAD plan in drawing units of metres); they are not longitude/latitude and are not projected.
 * - `yAxis: 'down'` (default) means y grows downwards as in SVG; `'up'` (CAD, GIS) flips every y
 *   with the floor height, so the plan is not drawn upside down.
 * - Each floor's extent is the bounding box of its features: coordinates are shifted so that the
 *   smallest x and y become 0, and widthM × heightM is the box's size. Floors with different boxes
 *   therefore get different origins; draw every floor with a common corner point if they must align.
 *
 * Features:
 * - Polygon (or MultiPolygon with exactly one polygon) → a zone. Properties: `code` (or `id`, or the
 *   feature id), `name` (default: the code), `kind` (a zone kind; missing or unknown → `room`, with a
 *   warning), `careUnit` (or `unit`), and for stairs and lifts optionally `verticalLink` (e.g.
 *   `LIFT-A`): zones with the same verticalLink on several floors become one vertical link.
 *   The closing point of the ring is dropped; polygons with holes are rejected.
 * - Point with `kind: 'door'` (or `'opening'`) and `between: [codeA, codeB]` → an opening at that point.
 * - Anything else is ignored with a warning.
 */

export interface GeoJsonGeometry {
  type: string;
  coordinates?: unknown;
}
export interface GeoJsonFeature {
  type: 'Feature';
  id?: string | number;
  geometry: GeoJsonGeometry | null;
  properties?: Record<string, unknown> | null;
}
export interface FeatureCollection {
  type: 'FeatureCollection';
  features: GeoJsonFeature[];
}

export interface GeoJsonSiteInput {
  site: { code: string; name: string; timeZone: string };
  building: { code: string; name: string };
  floors: { code: string; name: string; level: number; geojson: FeatureCollection }[];
}

export interface GeoJsonImportOptions {
  /** Direction of the y axis in the GeoJSON: 'down' (default, as in site.json) or 'up' (CAD, GIS). */
  yAxis?: 'up' | 'down';
}

type Floor = SitePlan['buildings'][number]['floors'][number];
type Zone = Floor['zones'][number];
type Opening = NonNullable<Floor['openings']>[number];

const mm = (v: number): number => {
  const r = Math.round(v * 1000) / 1000;
  return Object.is(r, -0) ? 0 : r;
};
const isPosition = (v: unknown): v is number[] =>
  Array.isArray(v) && v.length >= 2 && v.every((c) => typeof c === 'number' && Number.isFinite(c));
const text = (v: unknown): string | undefined =>
  typeof v === 'string' && v.trim() ? v.trim() : typeof v === 'number' ? String(v) : undefined;

interface RawZone {
  zone: Zone;
  ring: Point[];
  link?: string;
  where: string;
}
interface RawOpening {
  kind: Opening['kind'];
  between: [string, string];
  at: Point;
}

export function sitePlanFromGeoJson(
  input: GeoJsonSiteInput,
  options: GeoJsonImportOptions = {},
): { plan: SitePlan; problems: PlanProblem[] } {
  const problems: PlanProblem[] = [];
  const yUp = options.yAxis === 'up';
  const links = new Map<string, { kind: string; zones: { code: string; level: number }[]; where: string }>();
  const codes = new Set<string>();

  const floors: Floor[] = input.floors.map((f, fi) => {
    const floorWhere = `floors[${fi}]`;
    const zones: RawZone[] = [];
    const openings: RawOpening[] = [];
    const features =
      f.geojson?.type === 'FeatureCollection' && Array.isArray(f.geojson.features) ? f.geojson.features : null;
    if (!features)
      problems.push({
        severity: 'error',
        where: `${floorWhere}.geojson`,
        code: f.code,
        message: 'not a GeoJSON FeatureCollection',
      });

    (features ?? []).forEach((feature, i) => {
      const where = `${floorWhere}.geojson.features[${i}]`;
      const props = feature?.properties ?? {};
      const g = feature?.geometry;
      const problem = (severity: PlanProblem['severity'], message: string, code?: string): void => {
        problems.push({ severity, where, code, message });
      };

      if (g?.type === 'Point') {
        const kind = props.kind;
        const between = props.between;
        if ((kind === 'door' || kind === 'opening') && Array.isArray(between) && between.length === 2) {
          const [a, b] = between.map(text);
          if (!a || !b || !isPosition(g.coordinates))
            return problem('error', `${kind} point needs coordinates and between: [zoneCodeA, zoneCodeB]`);
          openings.push({ kind, between: [a, b], at: [g.coordinates[0], g.coordinates[1]] });
          return;
        }
        return problem('warning', 'Point without kind "door" and between: [codeA, codeB]: ignored');
      }
      if (g?.type !== 'Polygon' && g?.type !== 'MultiPolygon')
        return problem(
          'warning',
          `${g?.type ?? 'feature without geometry'} ignored: zones are Polygons, doors are Points`,
        );

      const code = text(props.code) ?? text(props.id) ?? text(feature.id);
      if (!code) return problem('error', 'polygon without a code (properties.code, properties.id or the feature id)');
      let rings: unknown = g.coordinates;
      if (g.type === 'MultiPolygon') {
        if (!Array.isArray(rings) || rings.length !== 1)
          return problem(
            'error',
            `MultiPolygon of ${Array.isArray(rings) ? rings.length : 0} polygons: a zone is one polygon`,
            code,
          );
        rings = rings[0];
      }
      const outer: unknown = Array.isArray(rings) ? rings[0] : undefined;
      if (!Array.isArray(rings) || !Array.isArray(outer) || !outer.every(isPosition))
        return problem('error', 'polygon without a valid outer ring', code);
      if (rings.length > 1)
        return problem(
          'error',
          `polygon has ${rings.length - 1} hole(s): zones cannot have holes, split it into zones without holes`,
          code,
        );
      const ring = outer.map((p): Point => [p[0], p[1]]);
      const [first, last] = [ring[0], ring[ring.length - 1]];
      if (ring.length > 1 && first[0] === last[0] && first[1] === last[1]) ring.pop();
      if (ring.length < 3) return problem('error', 'polygon has fewer than 3 distinct points', code);
      if (codes.has(code)) return problem('error', `duplicate zone code ${code}: feature ignored`, code);
      codes.add(code);

      let kind: ZoneKind = 'room';
      const rawKind = text(props.kind);
      if (rawKind && (ZONE_KINDS as readonly string[]).includes(rawKind)) kind = rawKind as ZoneKind;
      else
        problem(
          'warning',
          rawKind ? `unknown zone kind "${rawKind}": imported as room` : 'no kind: imported as room',
          code,
        );
      const careUnit = text(props.careUnit) ?? text(props.unit) ?? null;
      const zone: Zone = { code, name: text(props.name) ?? code, kind, careUnit, polygon: [] };
      zones.push({ zone, ring, link: text(props.verticalLink), where });
    });

    // Extent: bounding box of everything on the floor, shifted to the origin.
    const all = [...zones.flatMap((z) => z.ring), ...openings.map((o) => o.at)];
    const xs = all.map((p) => p[0]);
    const ys = all.map((p) => p[1]);
    const [minX, maxX, minY, maxY] = all.length
      ? [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)]
      : [0, 0, 0, 0];
    const place = ([x, y]: Point): Point => [mm(x - minX), mm(yUp ? maxY - y : y - minY)];
    if (!zones.length)
      problems.push({ severity: 'error', where: floorWhere, code: f.code, message: 'floor has no zone polygons' });

    for (const z of zones) {
      z.zone.polygon = z.ring.map(place);
      if (z.link) {
        const link = links.get(z.link) ?? { kind: z.zone.kind, zones: [], where: z.where };
        link.zones.push({ code: z.zone.code, level: f.level });
        links.set(z.link, link);
      }
    }
    return {
      code: f.code,
      name: f.name,
      level: f.level,
      widthM: mm(maxX - minX),
      heightM: mm(maxY - minY),
      plan: `${f.code}.svg`,
      zones: zones.map((z) => z.zone),
      openings: openings.map((o) => ({ kind: o.kind, between: o.between, at: place(o.at) })),
    };
  });

  const verticalLinks = [...links].map(([code, link]) => {
    if (link.zones.length < 2)
      problems.push({
        severity: 'warning',
        where: link.where,
        code: link.zones[0].code,
        message: `verticalLink ${code} has a zone on one floor only`,
      });
    return {
      kind: link.kind,
      code,
      zones: [...link.zones].sort((a, b) => a.level - b.level).map((z) => z.code),
    };
  });

  const plan: SitePlan = {
    formatVersion: 1,
    site: { ...input.site },
    buildings: [{ code: input.building.code, name: input.building.name, floors }],
    verticalLinks,
    devices: [],
  };
  return { plan, problems };
}
