/**
 * @jest-environment jsdom
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Point } from '@wardtrack/contracts';
import { distanceToSegment } from './plan-check';
import { GENERATED_MARK, renderFloorSvg } from './plan-render';
import type { SitePlan } from './site-plan';

const DEMO_DIR = resolve(__dirname, '../../../floorplans/demo-hospital');
const demo = JSON.parse(readFileSync(resolve(DEMO_DIR, 'site.json'), 'utf8')) as SitePlan;
const floors = demo.buildings.flatMap((b) => b.floors);

/** The bits of the DOM these tests use (the backend compiles without the DOM library). */
interface El {
  tagName: string;
  textContent: string | null;
  children: ArrayLike<El>;
  getAttribute(name: string): string | null;
  getAttributeNames(): string[];
}
interface Doc {
  documentElement: El;
  getElementById(id: string): El | null;
  querySelector(selector: string): El | null;
  querySelectorAll(selector: string): ArrayLike<El>;
}
const { DOMParser } = globalThis as unknown as {
  DOMParser: new () => { parseFromString(text: string, type: string): Doc };
};

/** Parses as XML with jsdom (throws on a malformed document). */
function parse(svg: string): Doc {
  const document = new DOMParser().parseFromString(svg, 'image/svg+xml');
  if (document.querySelector('parsererror')) throw new Error('malformed SVG');
  return document;
}
const all = (doc: Doc, selector: string): El[] => Array.from(doc.querySelectorAll(selector));

/** Straight segments of an "M x y L x y ..." path. */
function segments(d: string): [Point, Point][] {
  const out: [Point, Point][] = [];
  for (const m of d.matchAll(/M(-?[\d.]+) (-?[\d.]+)L(-?[\d.]+) (-?[\d.]+)/g))
    out.push([
      [Number(m[1]), Number(m[2])],
      [Number(m[3]), Number(m[4])],
    ]);
  return out;
}

function walls(doc: Doc): [Point, Point][] {
  return all(doc, '#walls path').flatMap((p) => segments(p.getAttribute('d') ?? ''));
}

describe.each(floors.map((f) => [f.code, f] as const))('renderFloorSvg, demo floor %s', (code, floor) => {
  const svg = renderFloorSvg(demo, code);
  const doc = parse(svg);

  it('is deterministic', () => {
    expect(renderFloorSvg(demo, code)).toBe(svg);
    expect(renderFloorSvg(JSON.parse(JSON.stringify(demo)) as SitePlan, code)).toBe(svg);
  });

  it('is the committed drawing (regenerate with npm run floorplans:render)', () => {
    expect(readFileSync(resolve(DEMO_DIR, floor.plan), 'utf8')).toBe(svg);
  });

  it('measures in metres', () => {
    const root = doc.documentElement;
    expect(root.tagName).toBe('svg');
    expect(root.getAttribute('xmlns')).toBe('http://www.w3.org/2000/svg');
    expect(root.getAttribute('viewBox')).toBe(`0 0 ${floor.widthM} ${floor.heightM}`);
    expect(root.getAttribute('width')).toBe(String(floor.widthM * 20));
  });

  it('draws every zone as a polygon with its id, kind and exact outline', () => {
    for (const z of floor.zones) {
      const el = doc.getElementById(`zone-${z.code}`);
      expect(el?.tagName).toBe('polygon');
      expect(el?.getAttribute('data-kind')).toBe(z.kind);
      expect(el?.getAttribute('points')).toBe(z.polygon.map(([x, y]) => `${x},${y}`).join(' '));
    }
    expect(doc.querySelectorAll('polygon[id^="zone-"]')).toHaveLength(floor.zones.length);
  });

  it('is self-contained: no scripts, styles, links or fonts other than sans-serif', () => {
    expect(svg).not.toMatch(/<script/i);
    expect(svg).not.toMatch(/<style/i);
    expect(svg).not.toMatch(/href=/i);
    expect(svg).not.toMatch(/url\(/i);
    expect(svg).not.toMatch(/https?:\/\/(?!www\.w3\.org\/2000\/svg")/);
    for (const el of all(doc, '*')) {
      for (const attr of el.getAttributeNames()) expect(attr).not.toMatch(/^on/i);
      const font = el.getAttribute('font-family');
      if (font !== null) expect(font).toBe('sans-serif');
    }
    expect(svg).toContain(GENERATED_MARK);
  });

  it('cuts a gap into the walls at every opening', () => {
    const ws = walls(doc);
    expect(ws.length).toBeGreaterThan(floor.zones.length);
    for (const o of floor.openings ?? []) {
      const crossing = ws.filter(([a, b]) => distanceToSegment(o.at, a, b) < 0.3);
      expect({ opening: o.between, crossing }).toEqual({ opening: o.between, crossing: [] });
    }
  });

  it('draws a swing arc for every door', () => {
    const arcs = all(doc, '#openings path').filter((p) => /A/.test(p.getAttribute('d') ?? ''));
    const doors = (floor.openings ?? []).filter((o) => o.kind === 'door');
    expect(arcs.length).toBeGreaterThanOrEqual(doors.length);
  });

  it('draws stairs and lift symbols, labels, a title block and a 10 m scale bar', () => {
    expect(doc.querySelectorAll('#fixtures path').length).toBeGreaterThanOrEqual(6); // 2 stairs x 2 + 2 lifts
    const labels = all(doc, '#labels text').map((t) =>
      t.children.length ? Array.from(t.children, (s) => s.textContent).join(' ') : t.textContent,
    );
    for (const z of floor.zones.filter((z) => z.kind !== 'cabinet')) expect(labels).toContain(z.name);
    expect(doc.getElementById('title-block')?.textContent).toContain(floor.name);
    expect(doc.getElementById('scale-bar')?.textContent).toContain('10 m');
  });
});

describe('renderFloorSvg', () => {
  const rect = (x0: number, y0: number, x1: number, y1: number): Point[] => [
    [x0, y0],
    [x1, y0],
    [x1, y1],
    [x0, y1],
  ];
  const small: SitePlan = {
    formatVersion: 1,
    site: { code: 'small', name: 'Small <Clinic> & Co', timeZone: 'UTC' },
    buildings: [
      {
        code: 'b',
        name: 'B',
        floors: [
          {
            code: 'G',
            name: 'Ground',
            level: 0,
            widthM: 12,
            heightM: 8,
            plan: 'G.svg',
            zones: [
              { code: 'G-A', name: 'Room "A"', kind: 'room', careUnit: null, polygon: rect(0, 0, 6, 5) },
              { code: 'G-B', name: 'Room B', kind: 'room', careUnit: null, polygon: rect(6, 0, 12, 5) },
              { code: 'G-C', name: 'Hall', kind: 'corridor', careUnit: null, polygon: rect(0, 5, 12, 8) },
            ],
            openings: [
              { kind: 'door', between: ['G-A', 'G-C'], at: [3, 5] },
              { kind: 'opening', between: ['G-B', 'G-C'], at: [9, 5] },
            ],
          },
        ],
      },
    ],
  };

  it('escapes names and still fits a title block on a floor without room for one', () => {
    const svg = renderFloorSvg(small, 'G');
    const doc = parse(svg);
    expect(doc.getElementById('zone-G-A')?.textContent).toBe('Room "A" (G-A)');
    expect(svg).toContain('Small &lt;Clinic&gt; &amp; Co');
    expect(doc.getElementById('title-block')?.textContent).toContain('G · Ground');
  });

  it('draws shared walls once, outer walls thicker, with gaps at the door and the open bay', () => {
    const doc = parse(renderFloorSvg(small, 'G'));
    const inner = segments(doc.getElementById('walls-inner')?.getAttribute('d') ?? '');
    const outer = segments(doc.getElementById('walls-outer')?.getAttribute('d') ?? '');
    const length = (ws: [Point, Point][]) => ws.reduce((s, [a, b]) => s + Math.hypot(b[0] - a[0], b[1] - a[1]), 0);
    expect(length(outer)).toBeCloseTo(2 * (12 + 8), 6); // the building outline, once
    // Inner walls: A|B (5 m) and the corridor wall (12 m) less a 1.2 m door and the open bay front.
    expect(length(inner)).toBeCloseTo(5 + 12 - 1.2 - (6 - 0.6), 6);
    expect(Number(doc.getElementById('walls-outer')?.getAttribute('stroke-width'))).toBeGreaterThan(
      Number(doc.getElementById('walls-inner')?.getAttribute('stroke-width')),
    );
  });

  it('throws for an unknown floor', () => {
    expect(() => renderFloorSvg(small, 'L9')).toThrow('no floor L9');
  });
});
