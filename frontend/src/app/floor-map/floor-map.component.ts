import {
  ChangeDetectionStrategy,
  Component,
  DOCUMENT,
  DestroyRef,
  ElementRef,
  afterNextRender,
  effect,
  inject,
  input,
  signal,
  untracked,
  viewChild,
} from '@angular/core';
import type { FloorDetailDto } from '@wardtrack/contracts';
import * as L from 'leaflet';
import { statusAppearance } from '../shared/asset-status';
import { Clock } from '../shared/clock';
import { floorLabel } from './floor-map.store';
import { floorToLatLng, panLimits, planBounds, spreadLatLng, spreadSpacingAt } from './map-geometry';
import type { TagMarker } from './tag-markers';
import { TagPopup } from './tag-popup';

/** Pane of the floor plan image: below the zone outlines (overlayPane, z-index 400). */
const PLAN_PANE = 'wt-plan';
/** Zoom levels beyond "whole floor" one may zoom in. */
const EXTRA_ZOOM_LEVELS = 5;
const MARKER_RADIUS_PX = 8;
/** On-screen distance between the centres of tags spread around one point: no overlap at any zoom. */
const SPREAD_GAP_PX = 2 * MARKER_RADIUS_PX + 3;

interface TagLayer {
  layer: L.CircleMarker;
  marker: TagMarker;
  dimmed: boolean;
  popup: TagPopup | null;
}

/**
 * The Leaflet map of one floor: plan image, zone outlines and one marker per located tag.
 *
 * Owns the `L.Map` (CRS.Simple, one map unit = one metre), created after the first render and
 * removed on destroy. Markers are keyed by tag id and moved with `setLatLng` when a tag moves, so
 * an open popup or a hover survives the once-a-second refresh.
 */
@Component({
  selector: 'wt-floor-map',
  template: '<div #mapHost class="map" aria-label="Floor map" role="region"></div>',
  styles: `
    :host {
      display: block;
      position: relative;
      min-height: 0;
    }
    .map {
      position: absolute;
      inset: 0;
    }
  `,
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class FloorMapComponent {
  /** The floor to show; null while it loads. */
  readonly floor = input<FloorDetailDto | null>(null);
  /** Object URL of the floor plan SVG; null while it loads. */
  readonly planUrl = input<string | null>(null);
  readonly markers = input<readonly TagMarker[]>([]);
  /** Tags matching the side panel's filter; the others are dimmed. Null: no filter, nothing dimmed. */
  readonly highlightedTagIds = input<ReadonlySet<string> | null>(null);

  private readonly host = viewChild.required<ElementRef<HTMLElement>>('mapHost');
  private readonly document = inject(DOCUMENT);
  private readonly clock = inject(Clock);
  private readonly map = signal<L.Map | null>(null);
  private readonly zoneLayer = L.layerGroup();
  private readonly tagLayer = L.layerGroup();
  private readonly tagLayers = new Map<string, TagLayer>();
  private planOverlay: { layer: L.ImageOverlay; url: string; floorId: string } | null = null;
  private shownFloorId: string | null = null;
  private floorZoom = 0;

  constructor() {
    let resizeObserver: ResizeObserver | undefined;
    afterNextRender(() => {
      const map = this.createMap(this.host().nativeElement);
      if (typeof ResizeObserver !== 'undefined') {
        // The side panel opening or the phone rotating resizes the map without a window resize.
        resizeObserver = new ResizeObserver(() => map.invalidateSize());
        resizeObserver.observe(this.host().nativeElement);
      }
      this.map.set(map);
    });
    effect(() => this.showFloor(this.map(), this.floor()));
    effect(() => this.showPlan(this.map(), this.floor(), this.planUrl()));
    effect(() => this.showMarkers(this.map(), this.markers(), this.highlightedTagIds()));
    effect(() => this.refreshOpenPopups(this.clock.now()));
    inject(DestroyRef).onDestroy(() => {
      resizeObserver?.disconnect();
      this.map()?.remove();
    });
  }

  /** Brings a tag into view and opens its popup (the side panel's rows call this). */
  focusTag(tagId: string): void {
    const map = this.map();
    const entry = this.tagLayers.get(tagId);
    if (map === null || entry === undefined) {
      return;
    }
    map.setView(entry.layer.getLatLng(), Math.max(map.getZoom(), this.floorZoom + 1));
    entry.layer.openPopup();
  }

  private createMap(container: HTMLElement): L.Map {
    const map = L.map(container, {
      crs: L.CRS.Simple,
      minZoom: -5,
      maxZoom: 10,
      zoomSnap: 0.25,
      zoomDelta: 0.5,
      attributionControl: false,
      zoomControl: false,
      maxBoundsViscosity: 0.8,
    });
    L.control.zoom({ position: 'topright' }).addTo(map);
    const planPane = map.createPane(PLAN_PANE);
    planPane.style.zIndex = '250';
    planPane.style.pointerEvents = 'none';
    this.zoneLayer.addTo(map);
    this.tagLayer.addTo(map);
    map.on('zoomend', () => this.respreadMarkers());
    // Something to look at until the floor arrives; replaced by fitting the floor.
    map.setView([0, 0], 0);
    return map;
  }

  private showFloor(map: L.Map | null, floor: FloorDetailDto | null): void {
    if (map === null || (floor?.id ?? null) === this.shownFloorId) {
      return;
    }
    this.zoneLayer.clearLayers();
    this.shownFloorId = floor?.id ?? null;
    if (floor === null) {
      return;
    }
    for (const zone of floor.zones) {
      const outline = L.polygon(
        zone.polygon.map(([x, y]) => floorToLatLng({ x, y }, floor.heightM)),
        {
          color: '#3b5770',
          weight: 1,
          opacity: 0.7,
          fillColor: '#3b5770',
          fillOpacity: 0.03,
          className: 'wt-zone',
        },
      );
      outline.bindTooltip(zone.name, { sticky: true, direction: 'top', className: 'wt-zone-tooltip' });
      outline.on('mouseover', () => outline.setStyle({ weight: 2.5, fillOpacity: 0.1 }));
      outline.on('mouseout', () => outline.setStyle({ weight: 1, fillOpacity: 0.03 }));
      outline.addTo(this.zoneLayer);
    }

    // Limits go on after fitting: setting pan limits first starts an animated pan back inside them,
    // which the fit would interrupt and which would then resume from a stale position.
    map.stop();
    map.setMaxBounds(L.latLngBounds([]));
    map.setMinZoom(-5);
    map.setMaxZoom(10);
    map.fitBounds(planBounds(floor.widthM, floor.heightM), { padding: [12, 12], animate: false });
    this.floorZoom = map.getZoom();
    map.setMinZoom(this.floorZoom - 1);
    map.setMaxZoom(this.floorZoom + EXTRA_ZOOM_LEVELS);
    map.setMaxBounds(panLimits(floor.widthM, floor.heightM));
  }

  private showPlan(map: L.Map | null, floor: FloorDetailDto | null, url: string | null): void {
    if (map === null) {
      return;
    }
    const current = this.planOverlay;
    if (current !== null && current.url === url && current.floorId === floor?.id) {
      return;
    }
    current?.layer.remove();
    this.planOverlay = null;
    if (floor === null || url === null) {
      return;
    }
    const layer = L.imageOverlay(url, planBounds(floor.widthM, floor.heightM), {
      pane: PLAN_PANE,
      className: 'wt-floor-plan',
      alt: `Floor plan of ${floorLabel(floor)}`,
      interactive: false,
    }).addTo(map);
    this.planOverlay = { layer, url, floorId: floor.id };
  }

  private showMarkers(map: L.Map | null, markers: readonly TagMarker[], highlighted: ReadonlySet<string> | null): void {
    if (map === null) {
      return;
    }
    const now = untracked(this.clock.now);
    const present = new Set<string>();
    for (const marker of markers) {
      present.add(marker.tagId);
      const dimmed = highlighted !== null && !highlighted.has(marker.tagId);
      const entry = this.tagLayers.get(marker.tagId);
      if (entry === undefined) {
        this.addMarker(marker, dimmed);
        continue;
      }
      if (entry.marker !== marker) {
        this.updateMarker(entry, marker, now);
      }
      if (entry.dimmed !== dimmed) {
        entry.dimmed = dimmed;
        entry.layer.setStyle(markerStyle(entry.marker, dimmed));
        if (!dimmed) {
          entry.layer.bringToFront();
        }
      }
    }
    for (const [tagId, entry] of this.tagLayers) {
      if (!present.has(tagId)) {
        this.tagLayer.removeLayer(entry.layer);
        this.tagLayers.delete(tagId);
      }
    }
  }

  private addMarker(marker: TagMarker, dimmed: boolean): void {
    const layer = L.circleMarker(this.placement(marker), {
      ...markerStyle(marker, dimmed),
      radius: MARKER_RADIUS_PX,
      className: 'wt-tag-marker',
      bubblingMouseEvents: false,
    });
    const entry: TagLayer = { layer, marker, dimmed, popup: null };
    layer.bindTooltip(marker.label, { direction: 'top', offset: [0, -MARKER_RADIUS_PX] });
    // Built on first opening: most popups are never opened.
    layer.bindPopup(() => {
      entry.popup ??= new TagPopup(this.document);
      return entry.popup.render(entry.marker, untracked(this.clock.now));
    });
    // The SVG path exists only while on the map; browser tests find markers by these attributes.
    layer.on('add', () => decorate(entry));
    this.tagLayers.set(marker.tagId, entry);
    layer.addTo(this.tagLayer);
  }

  private updateMarker(entry: TagLayer, marker: TagMarker, now: number): void {
    const before = entry.marker;
    entry.marker = marker;
    this.moveIfNeeded(entry);
    if (before.status !== marker.status || before.lost !== marker.lost) {
      entry.layer.setStyle(markerStyle(marker, entry.dimmed));
    }
    if (before.label !== marker.label) {
      entry.layer.setTooltipContent(marker.label);
    }
    decorate(entry);
    if (entry.popup !== null && entry.layer.isPopupOpen()) {
      entry.popup.render(marker, now);
    }
  }

  /**
   * Where a marker is drawn at the current zoom. Tags sharing a point are spread further apart when
   * zoomed out, so they stay separately visible and clickable.
   */
  private placement(marker: TagMarker): L.LatLngTuple {
    const map = untracked(this.map);
    const floor = untracked(this.floor);
    if (marker.slot === 0 || map === null || floor === null) {
      return marker.latLng;
    }
    return spreadLatLng(marker.position, marker.slot, floor.heightM, spreadSpacingAt(map.getZoom(), SPREAD_GAP_PX));
  }

  private moveIfNeeded(entry: TagLayer): void {
    const [lat, lng] = this.placement(entry.marker);
    const current = entry.layer.getLatLng();
    if (current.lat !== lat || current.lng !== lng) {
      entry.layer.setLatLng([lat, lng]);
    }
  }

  private respreadMarkers(): void {
    for (const entry of this.tagLayers.values()) {
      if (entry.marker.slot !== 0) {
        this.moveIfNeeded(entry);
      }
    }
  }

  private refreshOpenPopups(now: number): void {
    for (const entry of this.tagLayers.values()) {
      if (entry.popup !== null && entry.layer.isPopupOpen()) {
        entry.popup.render(entry.marker, now);
      }
    }
  }
}

/** A lost tag (only "last seen" there) is drawn hollow with a dashed ring in its status colour. */
function markerStyle(marker: TagMarker, dimmed: boolean): L.PathOptions {
  const colour = statusAppearance(marker.status).colour;
  if (marker.lost) {
    return {
      color: colour,
      weight: 2,
      dashArray: '3 3',
      opacity: dimmed ? 0.35 : 0.9,
      fillColor: '#ffffff',
      fillOpacity: dimmed ? 0.2 : 0.6,
    };
  }
  return {
    color: '#ffffff',
    weight: 2,
    dashArray: undefined,
    opacity: dimmed ? 0.35 : 1,
    fillColor: colour,
    fillOpacity: dimmed ? 0.2 : 0.95,
  };
}

function decorate(entry: TagLayer): void {
  const element = entry.layer.getElement();
  if (element === undefined) {
    return;
  }
  element.setAttribute('data-tag-id', entry.marker.tagId);
  element.setAttribute('data-status', entry.marker.status ?? 'unassigned');
  element.setAttribute('data-state', entry.marker.lost ? 'lost' : 'present');
  element.setAttribute('aria-label', entry.marker.label);
}
