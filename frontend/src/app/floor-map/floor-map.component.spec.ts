import { signal } from '@angular/core';
import { ComponentFixture, TestBed } from '@angular/core/testing';
import type { TagLocationDto } from '@wardtrack/contracts';
import { WARD_4_WEST, tagAt } from '../../testing/fixtures';
import { Clock } from '../shared/clock';
import { FloorMapComponent } from './floor-map.component';
import { TagMarker, reconcileTagMarkers } from './tag-markers';

describe(FloorMapComponent.name, () => {
  let fixture: ComponentFixture<FloorMapComponent>;
  let element: HTMLElement;
  let markers: Map<string, TagMarker>;
  const now = signal(Date.parse('2026-11-25T10:00:12.000Z'));

  beforeEach(async () => {
    now.set(Date.parse('2026-11-25T10:00:12.000Z'));
    TestBed.configureTestingModule({ providers: [{ provide: Clock, useValue: { now } }] });
    // jsdom does no layout; Leaflet needs a sized container to fit the floor.
    jest.spyOn(HTMLElement.prototype, 'clientWidth', 'get').mockReturnValue(900);
    jest.spyOn(HTMLElement.prototype, 'clientHeight', 'get').mockReturnValue(600);
    fixture = TestBed.createComponent(FloorMapComponent);
    element = fixture.nativeElement as HTMLElement;
    markers = new Map();
    fixture.componentRef.setInput('floor', WARD_4_WEST);
    fixture.componentRef.setInput('planUrl', 'blob:plan-4w');
    await fixture.whenStable();
  });

  afterEach(() => fixture.destroy());

  async function poll(tags: TagLocationDto[]): Promise<void> {
    markers = reconcileTagMarkers(markers, tags, WARD_4_WEST.heightM);
    fixture.componentRef.setInput('markers', [...markers.values()]);
    await fixture.whenStable();
  }

  function markerElements(): SVGPathElement[] {
    return [...element.querySelectorAll<SVGPathElement>('path.wt-tag-marker')];
  }

  function markerFor(tagId: string): SVGPathElement | null {
    return element.querySelector<SVGPathElement>(`.wt-tag-marker[data-tag-id="${tagId}"]`);
  }

  it('shows the floor plan over the floor’s extent and outlines each zone', () => {
    const plan = element.querySelector<HTMLImageElement>('img.wt-floor-plan');
    expect(plan?.getAttribute('src')).toBe('blob:plan-4w');
    expect(plan?.alt).toBe('Floor plan of Main Building · 4 West');
    expect(element.querySelectorAll('path.wt-zone')).toHaveLength(2);
  });

  it('draws one findable marker per located tag, coloured by asset status', async () => {
    await poll([
      tagAt('T1'),
      tagAt('T2', { x: 45, y: 30, asset: { id: 'a', name: 'Bed 3', assetType: 'Bed', status: 'missing' } }),
      tagAt('T3', { x: 45, y: 30, asset: null }),
    ]);

    expect(
      markerElements()
        .map((path) => path.getAttribute('data-tag-id'))
        .sort(),
    ).toEqual(['T1', 'T2', 'T3']);
    expect(markerFor('T1')?.getAttribute('fill')).toBe('#1e8e3e');
    expect(markerFor('T2')?.getAttribute('fill')).toBe('#d12c2c');
    expect(markerFor('T2')?.getAttribute('data-status')).toBe('missing');
    expect(markerFor('T3')?.getAttribute('data-status')).toBe('unassigned');
    expect(markerFor('T2')?.getAttribute('aria-label')).toBe('Bed 3');
  });

  it('keeps tags that share a point apart on screen even with the whole floor in view', async () => {
    await poll([tagAt('T1'), tagAt('T2'), tagAt('T3'), tagAt('T4')]);

    // A circle's path starts at its left edge: "M<x - r>,<y>a…".
    const centres = markerElements().map((path) => {
      const [, x, y] = /^M(-?[\d.]+),(-?[\d.]+)/.exec(path.getAttribute('d')!)!.map(Number);
      return { x, y };
    });
    for (let a = 0; a < centres.length; a++) {
      for (let b = a + 1; b < centres.length; b++) {
        expect(Math.hypot(centres[a].x - centres[b].x, centres[a].y - centres[b].y)).toBeGreaterThanOrEqual(16);
      }
    }
  });

  it('moves a marker when its tag moves instead of drawing a new one', async () => {
    await poll([tagAt('T1', { x: 15, y: 10 })]);
    const before = markerFor('T1');
    const pathBefore = before?.getAttribute('d');

    await poll([tagAt('T1', { x: 45, y: 30, zoneId: 'zone-store', zoneName: 'Equipment store' })]);

    expect(markerFor('T1')).toBe(before);
    expect(markerFor('T1')?.getAttribute('d')).not.toBe(pathBefore);
    expect(markerElements()).toHaveLength(1);
  });

  it('removes the markers of tags that left the floor', async () => {
    await poll([tagAt('T1'), tagAt('T2')]);

    await poll([tagAt('T2')]);

    expect(markerFor('T1')).toBeNull();
    expect(markerFor('T2')).not.toBeNull();
  });

  it('dims markers that do not match the side panel filter', async () => {
    await poll([tagAt('T1'), tagAt('T2')]);

    fixture.componentRef.setInput('highlightedTagIds', new Set(['T2']));
    await fixture.whenStable();

    expect(markerFor('T1')?.getAttribute('fill-opacity')).toBe('0.2');
    expect(markerFor('T2')?.getAttribute('fill-opacity')).toBe('0.95');
  });

  it('opens a tag’s popup with what a nurse needs to find it', async () => {
    await poll([tagAt('T1', { lastSeenAt: '2026-11-25T10:00:00.000Z' })]);

    fixture.componentInstance.focusTag('T1');

    const popup = element.querySelector('.leaflet-popup .wt-tag-popup');
    expect(popup?.textContent).toContain('Pump T1');
    expect(popup?.textContent).toContain('Infusion pump · Available');
    expect(popup?.textContent).toContain('Room 412');
    expect(popup?.textContent).toContain('last seen 12 s ago');

    now.set(Date.parse('2026-11-25T10:00:13.000Z'));
    await fixture.whenStable();
    expect(popup?.textContent).toContain('last seen 13 s ago');
  });

  it('tells how sure the fix is, and draws a tag that is no longer heard as "last seen" there', async () => {
    await poll([tagAt('T1', { confidence: 0.87, tech: 'ble' }), tagAt('T2', { state: 'lost', x: 30 })]);

    fixture.componentInstance.focusTag('T1');
    let popup = element.querySelector('.leaflet-popup .wt-tag-popup');
    expect(popup?.textContent).toContain('BLE · 87% confidence');
    expect(markerFor('T1')?.getAttribute('data-state')).toBe('present');

    fixture.componentInstance.focusTag('T2');
    popup = element.querySelector('.leaflet-popup .wt-tag-popup');
    expect(popup?.textContent).toContain('Last seen in Room 412 — not heard since');
    expect(markerFor('T2')?.getAttribute('data-state')).toBe('lost');
    expect(markerFor('T2')?.getAttribute('stroke-dasharray')).toBe('3 3');
  });

  it('shows asset names as text, never as markup', async () => {
    await poll([
      tagAt('T1', { asset: { id: 'a', name: '<img src=x onerror=alert(1)>', assetType: 'Pump', status: 'in_use' } }),
    ]);

    fixture.componentInstance.focusTag('T1');

    const popup = element.querySelector('.leaflet-popup .wt-tag-popup');
    expect(popup?.querySelector('img')).toBeNull();
    expect(popup?.textContent).toContain('<img src=x onerror=alert(1)>');
  });

  it('removes the Leaflet map when destroyed', () => {
    fixture.destroy();

    expect(element.querySelector('.leaflet-pane')).toBeNull();
  });
});
