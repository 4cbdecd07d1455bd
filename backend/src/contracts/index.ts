/**
 * Types and constant lists shared by the backend and the frontend.
 *
 * Only plain types and `as const` arrays live here: no decorators, no Node or
 * browser APIs, so both builds can import it (`@wardtrack/contracts`).
 *
 * Coordinates are metres on a floor, origin at the floor plan's top-left
 * corner, x to the right and y downwards (the SVG convention of the plans).
 */

/** User roles. Devices authenticate separately, with their own API key. */
export const USER_ROLES = ['nurse', 'supply_manager', 'biomed', 'admin'] as const;
export type UserRole = (typeof USER_ROLES)[number];

/** The kinds of zone a floor is divided into: the one list used everywhere. */
export const ZONE_KINDS = [
  'room',
  'bay',
  'corridor',
  'doorway',
  'nurse_station',
  'supply_room',
  'cabinet',
  'central_supply',
  'clean_utility',
  'soiled_utility',
  'equipment_store',
  'biomed_workshop',
  'exit',
  'loading_dock',
  'linen',
  'waste',
  'stairs',
  'elevator',
] as const;
export type ZoneKind = (typeof ZONE_KINDS)[number];

/** Kinds of radio device that post observations. */
export const DEVICE_KINDS = ['rfid_reader', 'ble_gateway'] as const;
export type DeviceKind = (typeof DEVICE_KINDS)[number];

/** Ingest formats accepted at `POST /api/v1/ingest/{format}`. */
export const INGEST_FORMATS = [
  'generic',
  'impinj-iot',
  'impinj-speedway',
  'impinj-smartreader',
  'zebra-iotc',
  'minew',
  'ingics',
  'cassia',
  'ruuvi',
] as const;
export type IngestFormat = (typeof INGEST_FORMATS)[number];

/** Equipment status as a nurse or biomed sees it. */
export const ASSET_STATUSES = ['available', 'in_use', 'needs_cleaning', 'in_maintenance', 'missing'] as const;
export type AssetStatus = (typeof ASSET_STATUSES)[number];

/** A point in floor metres: [x, y]. */
export type Point = [number, number];

export interface UserDto {
  id: string;
  email: string;
  displayName: string;
  role: UserRole;
}

export interface LoginRequest {
  email: string;
  password: string;
}

export interface LoginResponse {
  accessToken: string;
  tokenType: 'Bearer';
  /** Seconds until the access token expires; refresh before then. */
  expiresIn: number;
  /** Single-use token for `POST /api/v1/auth/refresh`; each refresh returns a new one. */
  refreshToken: string;
  /** Seconds until the session ends and the user must sign in again. */
  refreshExpiresIn: number;
  user: UserDto;
}

export interface FloorSummaryDto {
  id: string;
  code: string;
  name: string;
  /** Storey number: 0 ground, negative below ground. */
  level: number;
  siteId: string;
  siteName: string;
  buildingId: string;
  buildingName: string;
  /** Floor plan extent in metres. */
  widthM: number;
  heightM: number;
  /** Authenticated URL of the floor plan image (SVG); fetch it with the bearer token. */
  planUrl: string;
}

export interface ZoneDto {
  id: string;
  code: string;
  name: string;
  kind: ZoneKind;
  /** Care unit the zone belongs to (e.g. "ICU", "4 West"), if any. */
  careUnit: string | null;
  polygon: Point[];
  /** Label / marker anchor inside the polygon. */
  centroid: Point;
}

/** A door or open passage between two zones of one floor: a node of the walking graph. */
export interface OpeningDto {
  /** Point on the wall the two zones share, in floor metres. */
  x: number;
  y: number;
  /** `door`, or `opening` for a passage without a door (archway, bay front, corridor to corridor). */
  kind: 'door' | 'opening';
  /** The two zones it joins (no direction). */
  zoneIds: [string, string];
}

/** A reader or gateway placed on a floor, for drawing on the map. */
export interface PlacedDeviceDto {
  id: string;
  code: string;
  name: string;
  kind: DeviceKind;
  /** Mounting point in floor metres. */
  x: number;
  y: number;
  /** When the device last posted (ISO 8601), or null if never. */
  lastSeenAt: string | null;
  /** Readers only: the zone each antenna port covers; `side` for doorway portals. */
  antennas: { port: number; zoneId: string; side: 'inside' | 'outside' | null }[];
}

export interface FloorDetailDto extends FloorSummaryDto {
  zones: ZoneDto[];
  /** Readers and gateways mounted on this floor. */
  devices: PlacedDeviceDto[];
  /** Doors and open passages between the zones of this floor. */
  openings: OpeningDto[];
}

/**
 * A walking route between two zones (from one label point to the other) through door points,
 * lifts and stairs. Lifts and stairs count as metre-equivalents, so `distanceM` ranks routes
 * rather than measures a tape.
 */
export interface WalkingRouteDto {
  from: { zoneId: string; floorId: string; point: Point };
  to: { zoneId: string; floorId: string; point: Point };
  /** Walking distance in metres, lift and stair travel included as their metre-equivalent cost. */
  distanceM: number;
  /** Storeys climbed or descended on the way (L0 to L2 is 2). */
  floorsChanged: number;
  /** The route as polylines, one per stretch on a floor, in walking order. */
  legs: { floorId: string; points: Point[] }[];
}

export interface AssetSummaryDto {
  id: string;
  name: string;
  assetType: string;
  status: AssetStatus;
}

export interface TagLocationDto {
  tagId: string;
  zoneId: string;
  zoneName: string;
  zoneKind: ZoneKind;
  floorId: string;
  floorName: string;
  /** Position in floor metres. */
  x: number;
  y: number;
  /** When the tag was last heard (ISO 8601). */
  lastSeenAt: string;
  /** When the tag entered its current zone (ISO 8601). */
  zoneSince: string;
  /** Seconds since the newest evidence for this fix (server clock at the time of the answer). */
  ageSeconds: number;
  /** How sure the location engine is of this zone, 0..1 (see docs/location-engine.md). */
  confidence: number;
  /** Located by RFID antennas or by BLE gateways. */
  tech: 'rfid' | 'ble';
  /** 'lost': not heard for LOCATION_LOST_AFTER_SECONDS; the zone is where it was last seen. */
  state: 'present' | 'lost';
  /** The asset the tag is attached to, if any. */
  asset: AssetSummaryDto | null;
}

/** One continuous presence of a tag in a zone. */
export interface TagStayDto {
  zoneId: string;
  zoneName: string;
  zoneKind: ZoneKind;
  floorId: string;
  floorName: string;
  /** ISO 8601. */
  enteredAt: string;
  /** ISO 8601; null while the tag is still there. */
  leftAt: string | null;
}

export interface HealthDto {
  status: 'ok' | 'degraded';
  database: 'up' | 'down';
  queue: 'up' | 'down';
  queueKind: 'bullmq' | 'embedded';
  role: 'api' | 'worker' | 'all';
  version: string;
}

/** Kinds of alert: the one list shared by the rules, the database CHECK and the UI. */
export const ALERT_KINDS = [
  'low_stock',
  'stock_out',
  'expiring',
  'expired',
  'asset_missing',
  'asset_exit',
  'asset_in_linen_or_waste',
  'equipment_below_par',
  'device_offline',
  'low_battery',
  'maintenance_due',
] as const;
export type AlertKind = (typeof ALERT_KINDS)[number];

/** An alert is open until someone acknowledges it; the system resolves it when the condition clears. */
export const ALERT_STATES = ['open', 'acknowledged', 'resolved'] as const;
export type AlertState = (typeof ALERT_STATES)[number];

export const ALERT_SEVERITIES = ['info', 'warning', 'critical'] as const;
export type AlertSeverity = (typeof ALERT_SEVERITIES)[number];

export interface AlertDto {
  id: string;
  kind: AlertKind;
  /** What the alert is about, e.g. `device` + its id; at most one unresolved alert per kind and subject. */
  subjectType: string;
  subjectId: string;
  /** How people know the subject (a device code, an item name). */
  subjectLabel: string;
  siteId: string | null;
  careUnit: string | null;
  severity: AlertSeverity;
  state: AlertState;
  /** Kind-specific facts (e.g. `lastSeenAt` for device_offline). */
  details: Record<string, unknown>;
  openedAt: string;
  acknowledgedAt: string | null;
  /** Who acknowledged it: the user's id and sign-in email. */
  acknowledgedBy: { id: string | null; label: string } | null;
  resolvedAt: string | null;
  resolvedReason: string | null;
  updatedAt: string;
}
