import type { FloorDetailDto, FloorSummaryDto, LoginResponse, TagLocationDto } from '@wardtrack/contracts';

/** Shared test data: a 60 m x 40 m ward floor with two zones. */
export const WARD_4_WEST: FloorDetailDto = {
  id: 'floor-4w',
  code: 'MAIN-4',
  name: '4 West',
  level: 4,
  siteId: 'site-1',
  siteName: 'St Elsewhere',
  buildingId: 'bldg-main',
  buildingName: 'Main Building',
  widthM: 60,
  heightM: 40,
  planUrl: '/api/v1/floors/floor-4w/plan',
  zones: [
    {
      id: 'zone-412',
      code: '4W-412',
      name: 'Room 412',
      kind: 'room',
      careUnit: '4 West',
      polygon: [
        [10, 5],
        [20, 5],
        [20, 15],
        [10, 15],
      ],
      centroid: [15, 10],
    },
    {
      id: 'zone-store',
      code: '4W-EQ',
      name: 'Equipment store',
      kind: 'equipment_store',
      careUnit: null,
      polygon: [
        [40, 25],
        [50, 25],
        [50, 35],
        [40, 35],
      ],
      centroid: [45, 30],
    },
  ],
  devices: [],
  openings: [],
};

export const ICU_FLOOR: FloorSummaryDto = {
  id: 'floor-icu',
  code: 'MAIN-2',
  name: 'ICU',
  level: 2,
  siteId: 'site-1',
  siteName: 'St Elsewhere',
  buildingId: 'bldg-main',
  buildingName: 'Main Building',
  widthM: 50,
  heightM: 30,
  planUrl: '/api/v1/floors/floor-icu/plan',
};

export const ICU_DETAIL: FloorDetailDto = { ...ICU_FLOOR, zones: [], devices: [], openings: [] };

/** A tag location on 4 West; override what the test is about. */
export function tagAt(tagId: string, overrides: Partial<TagLocationDto> = {}): TagLocationDto {
  return {
    tagId,
    zoneId: 'zone-412',
    zoneName: 'Room 412',
    zoneKind: 'room',
    floorId: WARD_4_WEST.id,
    floorName: WARD_4_WEST.name,
    x: 15,
    y: 10,
    lastSeenAt: '2026-11-25T10:00:00.000Z',
    zoneSince: '2026-11-25T09:00:00.000Z',
    ageSeconds: 2,
    confidence: 0.9,
    tech: 'rfid',
    state: 'present',
    asset: { id: `asset-${tagId}`, name: `Pump ${tagId}`, assetType: 'Infusion pump', status: 'available' },
    ...overrides,
  };
}

/** A refresh token in the server's format (`wtr_` and 43 base64url characters). */
export function refreshTokenNo(n: number): string {
  return `wtr_${String(n).padStart(43, '0')}`;
}

/** A sign-in as the server answers it: a 15-minute access token in a 12-hour session. */
export const NURSE_LOGIN: LoginResponse = {
  accessToken: 'token-nurse',
  tokenType: 'Bearer',
  expiresIn: 900,
  refreshToken: refreshTokenNo(1),
  refreshExpiresIn: 12 * 3600,
  user: { id: 'user-1', email: 'nora@wardtrack.test', displayName: 'Nora Nurse', role: 'nurse' },
};

/** What the n-th refresh of NURSE_LOGIN's session answers: new access and refresh tokens. */
export function nurseRefreshed(n: number): LoginResponse {
  return {
    ...NURSE_LOGIN,
    accessToken: `token-nurse-${n}`,
    refreshToken: refreshTokenNo(n + 1),
    refreshExpiresIn: 12 * 3600 - n * 840,
  };
}

/** A Storage kept in memory, so tests do not share the browser's sessionStorage. */
export class MemoryStorage implements Storage {
  private readonly items = new Map<string, string>();
  get length(): number {
    return this.items.size;
  }
  clear(): void {
    this.items.clear();
  }
  getItem(key: string): string | null {
    return this.items.get(key) ?? null;
  }
  key(index: number): string | null {
    return [...this.items.keys()][index] ?? null;
  }
  removeItem(key: string): void {
    this.items.delete(key);
  }
  setItem(key: string, value: string): void {
    this.items.set(key, value);
  }
}
