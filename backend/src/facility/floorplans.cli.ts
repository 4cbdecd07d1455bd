/**
 * Floor plan tools, without Nest (see floorplans/README.md):
 *
 *   node dist/backend/facility/floorplans.cli.js check [--strict] [--radius=15] [--min-gateways=3] [siteDir...]
 *   node dist/backend/facility/floorplans.cli.js render [siteDir]
 *   node dist/backend/facility/floorplans.cli.js import-geojson [--y-up] <config.json> <outDir>
 *
 * `check` exits 1 on any error (with --strict also on any warning); the others exit 1 when they
 * could not do their job or the result has errors.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import {
  checkCoverage,
  checkSitePlan,
  formatProblem,
  SITE_SCHEMA_PATH,
  type CoverageOptions,
  type PlanProblem,
} from './plan-check';
import { GENERATED_MARK, renderFloorSvg } from './plan-render';
import { sitePlanFromGeoJson, type FeatureCollection, type GeoJsonSiteInput } from './geojson-import';
import { findSitePlans, type SitePlan } from './site-plan';

/** The repository's floorplans/ folder; the same from backend/src/facility and dist/backend/facility. */
export const FLOORPLANS_DIR = resolve(__dirname, '../../../floorplans');

const out = (line = ''): void => {
  process.stdout.write(`${line}\n`);
};
const shown = (path: string): string => relative(process.cwd(), path) || '.';
const count = (n: number, what: string): string => `${n} ${what}${n === 1 ? '' : 's'}`;

class UsageError extends Error {}

// ---------------------------------------------------------------------------------------------
// JSON written the way prettier formats it (objects one key per line, short arrays on one line,
// lists of points one point per line), so generated site.json files pass `prettier --check`.

export function formatJson(value: unknown, width = 120): string {
  return `${printJson(value, '', 0, 0, width)}\n`;
}

function printJson(v: unknown, indent: string, lead: number, trail: number, width: number): string {
  if (v === null || typeof v !== 'object') return JSON.stringify(v) ?? 'null';
  const inner = `${indent}  `;
  const isObject = (e: unknown) => e !== null && typeof e === 'object' && !Array.isArray(e);
  if (Array.isArray(v)) {
    if (!v.length) return '[]';
    const sameNested =
      v.length > 1 &&
      (v.every((e) => Array.isArray(e) && e.length > 1) ||
        v.every((e) => isObject(e) && Object.keys(e as object).length > 1));
    if (!sameNested && !v.some((e) => isObject(e) && Object.keys(e as object).length > 0)) {
      const flat = `[${v.map((e) => printJson(e, inner, 0, 0, width)).join(', ')}]`;
      if (!flat.includes('\n') && lead + flat.length + trail <= width) return flat;
    }
    const items = v.map((e, i) => inner + printJson(e, inner, inner.length, i < v.length - 1 ? 1 : 0, width));
    return `[\n${items.join(',\n')}\n${indent}]`;
  }
  const entries = Object.entries(v as Record<string, unknown>).filter(([, e]) => e !== undefined);
  if (!entries.length) return '{}';
  const items = entries.map(([k, e], i) => {
    const key = `${JSON.stringify(k)}: `;
    return inner + key + printJson(e, inner, inner.length + key.length, i < entries.length - 1 ? 1 : 0, width);
  });
  return `{\n${items.join(',\n')}\n${indent}}`;
}

// ---------------------------------------------------------------------------------------------

function readPlan(siteDir: string): SitePlan {
  const file = join(siteDir, 'site.json');
  if (!existsSync(file)) throw new UsageError(`${shown(file)} not found`);
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as SitePlan;
  } catch (e) {
    throw new UsageError(`${shown(file)}: not valid JSON (${(e as Error).message})`);
  }
}

function floorsOf(plan: SitePlan): SitePlan['buildings'][number]['floors'] {
  return (Array.isArray(plan.buildings) ? plan.buildings : []).flatMap((b) =>
    Array.isArray(b?.floors) ? b.floors : [],
  );
}

/** Problems with the drawings next to site.json: missing, wrong viewBox, or a generated drawing gone stale. */
function drawingProblems(siteDir: string, plan: SitePlan, planIsValid: boolean): PlanProblem[] {
  const problems: PlanProblem[] = [];
  plan.buildings.forEach((b, bi) =>
    b.floors.forEach((f, fi) => {
      const where = `buildings[${bi}].floors[${fi}].plan`;
      const file = join(siteDir, f.plan);
      if (!existsSync(file)) {
        problems.push({ severity: 'error', where, code: f.code, message: `drawing ${f.plan} not found` });
        return;
      }
      const svg = readFileSync(file, 'utf8');
      const viewBox = /<svg\b[^>]*\bviewBox="([^"]*)"/.exec(svg)?.[1];
      const expected = `0 0 ${f.widthM} ${f.heightM}`;
      if (
        viewBox
          ?.trim()
          .split(/[\s,]+/)
          .map(Number)
          .join(' ') !== expected
      )
        problems.push({
          severity: 'error',
          where,
          code: f.code,
          message: `${f.plan} has viewBox "${viewBox ?? '(none)'}", expected "${expected}" (1 unit = 1 m)`,
        });
      else if (planIsValid && svg.includes(GENERATED_MARK) && svg !== renderFloorSvg(plan, f.code))
        problems.push({
          severity: 'warning',
          where,
          code: f.code,
          message: `${f.plan} is out of date with site.json: run npm run floorplans:render`,
        });
    }),
  );
  return problems;
}

function check(args: string[]): number {
  let strict = false;
  const coverage: CoverageOptions = {};
  const dirs: string[] = [];
  for (const a of args) {
    if (a === '--strict') strict = true;
    else if (a.startsWith('--radius=')) coverage.radiusM = positive(a);
    else if (a.startsWith('--min-gateways=')) coverage.minGateways = positive(a);
    else if (a.startsWith('-')) throw new UsageError(`unknown option ${a}`);
    else dirs.push(resolve(a));
  }
  const sites = dirs.length ? dirs : findSitePlans(FLOORPLANS_DIR);
  if (!sites.length) throw new UsageError(`no site folders (with a site.json) under ${shown(FLOORPLANS_DIR)}`);
  let [errors, warnings] = [0, 0];
  for (const dir of sites) {
    let problems: PlanProblem[];
    let summary = '';
    try {
      const plan = readPlan(dir);
      problems = checkSitePlan(plan);
      const valid = problems.length === 0;
      problems.push(...checkCoverage(plan, coverage));
      if (valid) problems.push(...drawingProblems(dir, plan, valid));
      const floors = floorsOf(plan);
      const zones = floors.reduce((s, f) => s + (Array.isArray(f?.zones) ? f.zones.length : 0), 0);
      const devices = Array.isArray(plan.devices) ? plan.devices.length : 0;
      summary = ` (${count(floors.length, 'floor')}, ${count(zones, 'zone')}, ${count(devices, 'device')})`;
    } catch (e) {
      if (!(e instanceof UsageError)) throw e;
      problems = [{ severity: 'error', where: 'site.json', message: e.message }];
    }
    const e = problems.filter((p) => p.severity === 'error').length;
    const w = problems.length - e;
    [errors, warnings] = [errors + e, warnings + w];
    out(`${shown(dir)}${summary}`);
    for (const p of problems) out(`  ${formatProblem(p)}`);
    out(`  ${count(e, 'error')}, ${count(w, 'warning')}`);
  }
  const failed = errors > 0 || (strict && warnings > 0);
  out(
    `${count(sites.length, 'site')} checked: ${count(errors, 'error')}, ${count(warnings, 'warning')}` +
      `${failed ? ' - FAILED' : ' - OK'}${strict ? ' (strict)' : ''}`,
  );
  return failed ? 1 : 0;
}

function positive(option: string): number {
  const v = Number(option.slice(option.indexOf('=') + 1));
  if (!(v > 0)) throw new UsageError(`${option}: expected a positive number`);
  return v;
}

/** Writes the SVG of every floor; returns the number of files that changed. */
function writeDrawings(siteDir: string, plan: SitePlan): number {
  let changed = 0;
  for (const f of floorsOf(plan)) {
    const file = join(siteDir, f.plan);
    const svg = renderFloorSvg(plan, f.code);
    const same = existsSync(file) && readFileSync(file, 'utf8') === svg;
    if (!same) {
      writeFileSync(file, svg);
      changed++;
    }
    out(`  ${same ? 'unchanged' : 'wrote'} ${shown(file)} (${Math.round(svg.length / 1024)} kB)`);
  }
  return changed;
}

function render(args: string[]): number {
  if (args.length > 1 || args.some((a) => a.startsWith('-'))) throw new UsageError('render takes one site folder');
  const dir = resolve(args[0] ?? join(FLOORPLANS_DIR, 'demo-hospital'));
  const plan = readPlan(dir);
  const schema = checkSitePlan(plan).filter((p) => p.message.startsWith('schema:'));
  if (schema.length) {
    out(`${shown(dir)}: site.json does not match the schema, nothing rendered:`);
    for (const p of schema) out(`  ${formatProblem(p)}`);
    return 1;
  }
  out(`${shown(dir)}:`);
  writeDrawings(dir, plan);
  return 0;
}

interface ImportConfig extends Omit<GeoJsonSiteInput, 'floors'> {
  yAxis?: 'up' | 'down';
  floors: (Omit<GeoJsonSiteInput['floors'][number], 'geojson'> & { geojson: FeatureCollection | string })[];
}

function importGeoJson(args: string[]): number {
  const yUp = args.includes('--y-up');
  const [configFile, outDir, ...rest] = args.filter((a) => a !== '--y-up');
  if (!configFile || !outDir || rest.length) throw new UsageError('import-geojson needs <config.json> <outDir>');
  const readJson = <T>(file: string): T => {
    try {
      return JSON.parse(readFileSync(file, 'utf8')) as T;
    } catch (e) {
      throw new UsageError(`${shown(file)}: ${(e as Error).message}`);
    }
  };
  const config = readJson<ImportConfig>(resolve(configFile));
  const base = dirname(resolve(configFile));
  const input: GeoJsonSiteInput = {
    site: config.site,
    building: config.building,
    floors: (config.floors ?? []).map((f) => ({
      ...f,
      geojson: typeof f.geojson === 'string' ? readJson<FeatureCollection>(resolve(base, f.geojson)) : f.geojson,
    })),
  };
  const { plan, problems } = sitePlanFromGeoJson(input, { yAxis: yUp ? 'up' : (config.yAxis ?? 'down') });
  const dir = resolve(outDir);
  mkdirSync(dir, { recursive: true });
  const schemaRef = relative(dir, SITE_SCHEMA_PATH).split('\\').join('/');
  writeFileSync(join(dir, 'site.json'), formatJson({ $schema: schemaRef, ...plan }));
  out(`${shown(dir)}:`);
  out(`  wrote ${shown(join(dir, 'site.json'))}`);
  const checked = checkSitePlan(plan);
  if (!checked.some((p) => p.message.startsWith('schema:'))) writeDrawings(dir, plan);
  const all = [...problems, ...checked];
  for (const p of all) out(`  ${formatProblem(p)}`);
  const errors = all.filter((p) => p.severity === 'error').length;
  out(`  ${count(errors, 'error')}, ${count(all.length - errors, 'warning')}`);
  if (errors) out('  Fix site.json (or the GeoJSON) and run the check again; add devices before use.');
  return errors ? 1 : 0;
}

const USAGE = `Usage:
  floorplans.cli.js check [--strict] [--radius=15] [--min-gateways=3] [siteDir...]
      Check site plans (default: every folder under floorplans/ holding a site.json).
  floorplans.cli.js render [siteDir]
      Regenerate the floor SVGs of a site from its site.json (default: floorplans/demo-hospital).
  floorplans.cli.js import-geojson [--y-up] <config.json> <outDir>
      Write a site folder (site.json and SVGs) from GeoJSON floor outlines.`;

export function main(argv: string[]): number {
  const [command, ...args] = argv;
  try {
    switch (command) {
      case 'check':
        return check(args);
      case 'render':
        return render(args);
      case 'import-geojson':
        return importGeoJson(args);
      case undefined:
      case 'help':
      case '--help':
        out(USAGE);
        return command === undefined ? 2 : 0;
      default:
        throw new UsageError(`unknown command ${command}`);
    }
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    process.stderr.write(`${e.message}\n\n${USAGE}\n`);
    return 2;
  }
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));
