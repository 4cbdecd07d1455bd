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
export const INGEST_FORMATS = ['generic', 'impinj-iot', 'impinj-speedway', 'zebra-iotc'] as const;
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

export interface FloorDetailDto extends FloorSummaryDto {
  zones: ZoneDto[];
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
  /** The asset the tag is attached to, if any. */
  asset: AssetSummaryDto | null;
}

export interface HealthDto {
  status: 'ok' | 'degraded';
  database: 'up' | 'down';
  queue: 'up' | 'down';
  queueKind: 'bullmq' | 'embedded';
  role: 'api' | 'worker' | 'all';
  version: string;
}
