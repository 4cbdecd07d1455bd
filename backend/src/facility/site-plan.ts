import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { DEVICE_KINDS, type DeviceKind, type Point, ZONE_KINDS, type ZoneKind } from '@wardtrack/contracts';

/** A site as drawn in `floorplans/<site>/site.json` (format version 1, see floorplans/README.md). */
export interface SitePlan {
  formatVersion: 1;
  site: { code: string; name: string; timeZone: string };
  buildings: {
    code: string;
    name: string;
    floors: {
      code: string;
      name: string;
      level: number;
      widthM: number;
      heightM: number;
      plan: string;
      zones: { code: string; name: string; kind: ZoneKind; careUnit: string | null; polygon: Point[] }[];
      openings?: { kind: string; between: [string, string]; at: Point }[];
    }[];
  }[];
  verticalLinks?: { kind: string; code: string; zones: string[] }[];
  devices?: {
    code: string;
    kind: DeviceKind;
    name: string;
    vendorFormat: string;
    floor: string;
    at: Point;
    antennas?: { port: number; zone: string; side?: 'inside' | 'outside' }[];
  }[];
  demo?: {
    assets?: { tagId: string; name: string; assetType: string; serial?: string; homeUnit?: string; status?: string }[];
  };
}

/** A site plan with each floor's SVG read in. */
export interface LoadedSitePlan {
  plan: SitePlan;
  svgByFloor: Map<string, string>;
  source: string;
}

export class SitePlanError extends Error {}

/** Site folders under a floorplans directory: every folder holding a site.json. */
export function findSitePlans(floorplansDir: string): string[] {
  if (!existsSync(floorplansDir)) return [];
  return readdirSync(floorplansDir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(join(floorplansDir, d.name, 'site.json')))
    .map((d) => join(floorplansDir, d.name))
    .sort();
}

/** Reads a site folder and checks what the importer relies on; throws SitePlanError naming the problem. */
export function loadSitePlan(siteDir: string): LoadedSitePlan {
  const source = join(siteDir, 'site.json');
  let plan: SitePlan;
  try {
    plan = JSON.parse(readFileSync(source, 'utf8')) as SitePlan;
  } catch (e) {
    throw new SitePlanError(`${source}: not valid JSON (${(e as Error).message})`);
  }
  const fail = (where: string, what: string): never => {
    throw new SitePlanError(`${source}: ${where}: ${what}`);
  };
  if (plan.formatVersion !== 1) fail('formatVersion', `unsupported version ${String(plan.formatVersion)} (expected 1)`);
  if (!plan.site?.code || !plan.site.timeZone) fail('site', 'code and timeZone are required');
  try {
    new Intl.DateTimeFormat('en', { timeZone: plan.site.timeZone });
  } catch {
    fail('site.timeZone', `unknown IANA time zone "${plan.site.timeZone}"`);
  }
  const svgByFloor = new Map<string, string>();
  const zoneCodes = new Set<string>();
  const floorCodes = new Set<string>();
  plan.buildings.forEach((b, bi) =>
    b.floors.forEach((f, fi) => {
      const where = `buildings[${bi}].floors[${fi}]`;
      if (floorCodes.has(f.code)) fail(`${where}.code`, `duplicate floor code ${f.code}`);
      floorCodes.add(f.code);
      if (!(f.widthM > 0 && f.heightM > 0)) fail(where, 'widthM and heightM must be positive');
      const svgPath = join(siteDir, f.plan);
      if (!existsSync(svgPath)) fail(`${where}.plan`, `file ${f.plan} not found`);
      svgByFloor.set(f.code, readFileSync(svgPath, 'utf8'));
      f.zones.forEach((z, zi) => {
        const zw = `${where}.zones[${zi}]`;
        if (zoneCodes.has(z.code)) fail(`${zw}.code`, `duplicate zone code ${z.code}`);
        zoneCodes.add(z.code);
        if (!ZONE_KINDS.includes(z.kind)) fail(`${zw}.kind`, `unknown zone kind "${String(z.kind)}"`);
        if (!Array.isArray(z.polygon) || z.polygon.length < 3) fail(`${zw}.polygon`, 'needs at least 3 points');
      });
    }),
  );
  (plan.devices ?? []).forEach((d, di) => {
    if (!DEVICE_KINDS.includes(d.kind)) fail(`devices[${di}].kind`, `unknown device kind "${String(d.kind)}"`);
    if (!floorCodes.has(d.floor)) fail(`devices[${di}].floor`, `unknown floor ${d.floor}`);
    (d.antennas ?? []).forEach((a, ai) => {
      if (!zoneCodes.has(a.zone)) fail(`devices[${di}].antennas[${ai}].zone`, `unknown zone ${a.zone}`);
    });
  });
  return { plan, svgByFloor, source };
}
