import type { LatLngBoundsLiteral, LatLngTuple } from 'leaflet';

/**
 * Floor coordinates are metres with the origin at the plan's top-left corner and y pointing DOWN
 * (the SVG convention of the plans). Leaflet's `CRS.Simple` has y (latitude) pointing UP, so a
 * point is mirrored against the floor's height; one map unit stays one metre.
 */
export interface FloorPoint {
  x: number;
  y: number;
}

/** Floor metres -> Leaflet `[lat, lng]` on a floor `floorHeightM` tall. */
export function floorToLatLng(point: FloorPoint, floorHeightM: number): LatLngTuple {
  return [floorHeightM - point.y, point.x];
}

/** Leaflet `[lat, lng]` -> floor metres; the inverse of {@link floorToLatLng}. */
export function latLngToFloor([lat, lng]: LatLngTuple, floorHeightM: number): FloorPoint {
  return { x: lng, y: floorHeightM - lat };
}

/** Where the floor plan image lies on the map: exactly the floor's extent. */
export function planBounds(widthM: number, heightM: number): LatLngBoundsLiteral {
  return [
    [0, 0],
    [heightM, widthM],
  ];
}

/** How far the map may be panned: the plan plus a margin, so the edges can be brought to the middle. */
export function panLimits(widthM: number, heightM: number, marginFraction = 0.25): LatLngBoundsLiteral {
  const margin = Math.max(widthM, heightM) * marginFraction;
  return [
    [-margin, -margin],
    [heightM + margin, widthM + margin],
  ];
}

/** Distance between tags spread around one reported position, in metres, when zoomed in. */
export const SPREAD_SPACING_M = 0.9;

/**
 * Spacing of spread tags at a zoom level: at least `minGapPx` on screen, so zoomed out they still
 * do not cover each other (with `CRS.Simple` one metre is 2^zoom pixels), and never less than
 * {@link SPREAD_SPACING_M}.
 */
export function spreadSpacingAt(zoom: number, minGapPx: number): number {
  return Math.max(SPREAD_SPACING_M, minGapPx / 2 ** zoom);
}

/** Where the `slot`-th tag reported at `position` is drawn, as Leaflet `[lat, lng]`. */
export function spreadLatLng(
  position: FloorPoint,
  slot: number,
  floorHeightM: number,
  spacingM = SPREAD_SPACING_M,
): LatLngTuple {
  const offset = spreadOffset(slot, spacingM);
  return floorToLatLng({ x: position.x + offset.x, y: position.y + offset.y }, floorHeightM);
}

/**
 * Offset of the `slot`-th tag sharing one reported position: slot 0 stays on the point, then rings of
 * 6, 12, 18, … slots at 1, 2, 3, … spacings (hexagonal packing, so neighbours stay about one spacing
 * apart), starting at the top of each ring and going clockwise on screen.
 */
export function spreadOffset(slot: number, spacingM = SPREAD_SPACING_M): FloorPoint {
  if (slot <= 0) {
    return { x: 0, y: 0 };
  }
  let ring = 1;
  let firstSlotOfRing = 1;
  while (slot >= firstSlotOfRing + 6 * ring) {
    firstSlotOfRing += 6 * ring;
    ring += 1;
  }
  const angle = (2 * Math.PI * (slot - firstSlotOfRing)) / (6 * ring) - Math.PI / 2;
  return { x: round(ring * spacingM * Math.cos(angle)), y: round(ring * spacingM * Math.sin(angle)) };
}

/** Millimetre precision: hides floating-point noise such as 5.5e-17. */
function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}
