import type { AssetStatus, TagLocationDto } from '@wardtrack/contracts';
import type { LatLngTuple } from 'leaflet';
import { statusAppearance } from '../shared/asset-status';
import { FloorPoint, spreadLatLng } from './map-geometry';

/** What the map and the side panel show for one located tag. */
export interface TagMarker {
  readonly tagId: string;
  /** The asset's name, or the tag id for a tag not linked to an asset. */
  readonly label: string;
  readonly assetType: string | null;
  readonly status: AssetStatus | null;
  readonly zoneId: string;
  readonly zoneName: string;
  /** Epoch milliseconds the tag was last heard. */
  readonly lastSeenAt: number;
  /** Not heard for a while: the zone is where it was last seen, not where it is now. */
  readonly lost: boolean;
  /** How sure the location engine is of the zone, 0..1. */
  readonly confidence: number;
  readonly tech: 'rfid' | 'ble';
  /** Position the backend reported, floor metres. */
  readonly position: FloorPoint;
  /** Place among the tags reported at the same position (0 = on the point itself). */
  readonly slot: number;
  /** Where the marker is drawn when zoomed in: `position` plus the slot's offset, as Leaflet `[lat, lng]`. */
  readonly latLng: LatLngTuple;
}

/** The tags of one zone, for the side panel. */
export interface ZoneTagGroup {
  zoneId: string;
  zoneName: string;
  markers: TagMarker[];
}

/**
 * Turns one poll's tag locations into markers, given the previous poll's markers.
 *
 * Tags reported at the same position are spread around it (see `spreadOffset`). A tag that stays at
 * its position keeps its slot when others arrive or leave, so markers on screen do not shuffle;
 * newcomers take the lowest free slot in tag-id order, which makes a first load deterministic. A
 * marker whose data did not change is returned as the very same object. Tags missing from `tags`
 * have left the floor and get no marker.
 */
export function reconcileTagMarkers(
  previous: ReadonlyMap<string, TagMarker>,
  tags: readonly TagLocationDto[],
  floorHeightM: number,
): Map<string, TagMarker> {
  const groups = new Map<string, TagLocationDto[]>();
  for (const tag of tags) {
    const key = positionKey(tag);
    const group = groups.get(key);
    if (group === undefined) {
      groups.set(key, [tag]);
    } else {
      group.push(tag);
    }
  }

  const slots = new Map<string, number>();
  for (const group of groups.values()) {
    group.sort((a, b) => (a.tagId < b.tagId ? -1 : a.tagId > b.tagId ? 1 : 0));
    if (group.length === 1) {
      slots.set(group[0].tagId, 0);
      continue;
    }
    const taken = new Set<number>();
    const newcomers: TagLocationDto[] = [];
    for (const tag of group) {
      const before = previous.get(tag.tagId);
      if (before !== undefined && positionKey(before.position) === positionKey(tag) && !taken.has(before.slot)) {
        slots.set(tag.tagId, before.slot);
        taken.add(before.slot);
      } else {
        newcomers.push(tag);
      }
    }
    let next = 0;
    for (const tag of newcomers) {
      while (taken.has(next)) {
        next += 1;
      }
      slots.set(tag.tagId, next);
      taken.add(next);
    }
  }

  const markers = new Map<string, TagMarker>();
  for (const tag of tags) {
    const marker = toMarker(tag, slots.get(tag.tagId) ?? 0, floorHeightM);
    const before = previous.get(tag.tagId);
    markers.set(tag.tagId, before !== undefined && sameMarker(before, marker) ? before : marker);
  }
  return markers;
}

/**
 * Whether a marker matches what was typed in the filter box: every word must appear in the asset
 * name, type, status, zone or tag id ("infusion pump", "pump icu", "cleaning").
 */
export function matchesFilter(marker: TagMarker, filter: string): boolean {
  const words = filter
    .toLowerCase()
    .split(/\s+/)
    .filter((word) => word !== '');
  if (words.length === 0) {
    return true;
  }
  const text = [
    marker.label,
    marker.assetType ?? '',
    statusAppearance(marker.status).label,
    marker.zoneName,
    marker.tagId,
  ]
    .join(' ')
    .toLowerCase();
  return words.every((word) => text.includes(word));
}

/** Markers grouped by zone, zones and tags in alphabetical order ("Bay 2" before "Bay 10"). */
export function groupByZone(markers: Iterable<TagMarker>): ZoneTagGroup[] {
  const byZone = new Map<string, ZoneTagGroup>();
  for (const marker of markers) {
    let group = byZone.get(marker.zoneId);
    if (group === undefined) {
      group = { zoneId: marker.zoneId, zoneName: marker.zoneName, markers: [] };
      byZone.set(marker.zoneId, group);
    }
    group.markers.push(marker);
  }
  const groups = [...byZone.values()];
  for (const group of groups) {
    group.markers.sort((a, b) => collator.compare(a.label, b.label) || collator.compare(a.tagId, b.tagId));
  }
  return groups.sort((a, b) => collator.compare(a.zoneName, b.zoneName));
}

const collator = new Intl.Collator(undefined, { numeric: true, sensitivity: 'base' });

/** Positions closer than a centimetre count as the same point. */
function positionKey(point: FloorPoint): string {
  return `${point.x.toFixed(2)},${point.y.toFixed(2)}`;
}

function toMarker(tag: TagLocationDto, slot: number, floorHeightM: number): TagMarker {
  return {
    tagId: tag.tagId,
    label: tag.asset?.name ?? tag.tagId,
    assetType: tag.asset?.assetType ?? null,
    status: tag.asset?.status ?? null,
    zoneId: tag.zoneId,
    zoneName: tag.zoneName,
    lastSeenAt: Date.parse(tag.lastSeenAt),
    lost: tag.state === 'lost',
    confidence: tag.confidence,
    tech: tag.tech,
    position: { x: tag.x, y: tag.y },
    slot,
    latLng: spreadLatLng({ x: tag.x, y: tag.y }, slot, floorHeightM),
  };
}

function sameMarker(a: TagMarker, b: TagMarker): boolean {
  return (
    a.label === b.label &&
    a.assetType === b.assetType &&
    a.status === b.status &&
    a.zoneId === b.zoneId &&
    a.zoneName === b.zoneName &&
    a.lastSeenAt === b.lastSeenAt &&
    a.lost === b.lost &&
    a.confidence === b.confidence &&
    a.tech === b.tech &&
    a.slot === b.slot &&
    a.position.x === b.position.x &&
    a.position.y === b.position.y &&
    a.latLng[0] === b.latLng[0] &&
    a.latLng[1] === b.latLng[1]
  );
}
