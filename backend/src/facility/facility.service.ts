import { scopeSql, UNRESTRICTED, type UserScope } from '@backend/auth/scope';
import { Injectable, NotFoundException } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type {
  DeviceKind,
  FloorDetailDto,
  FloorSummaryDto,
  OpeningDto,
  PlacedDeviceDto,
  ZoneDto,
} from '@wardtrack/contracts';
import type { DataSource } from 'typeorm';
import type { Zone } from './facility.entities';

interface FloorRow {
  id: string;
  code: string;
  name: string;
  level: number;
  width_m: number;
  height_m: number;
  building_id: string;
  building_name: string;
  site_id: string;
  site_name: string;
}

/** A zone as stored: the Zone entity, or a row selected with the same (camelCase) names. */
export type ZoneFields = Pick<
  Zone,
  'id' | 'code' | 'name' | 'kind' | 'careUnit' | 'polygon' | 'centroidX' | 'centroidY'
>;

interface DeviceRow {
  id: string;
  code: string;
  name: string;
  kind: DeviceKind;
  x: number;
  y: number;
  last_seen_at: Date | null;
  antennas: { port: number; zoneId: string; side: 'inside' | 'outside' | null }[];
}

interface OpeningRow {
  x: number;
  y: number;
  kind: 'door' | 'opening';
  zone_a_id: string;
  zone_b_id: string;
}

const FLOOR_SELECT = `
  SELECT f.id, f.code, f.name, f.level, f.width_m, f.height_m,
         b.id AS building_id, b.name AS building_name, s.id AS site_id, s.name AS site_name
  FROM floor f JOIN building b ON b.id = f.building_id JOIN site s ON s.id = b.site_id`;

function toFloorSummary(r: FloorRow): FloorSummaryDto {
  return {
    id: r.id,
    code: r.code,
    name: r.name,
    level: r.level,
    siteId: r.site_id,
    siteName: r.site_name,
    buildingId: r.building_id,
    buildingName: r.building_name,
    widthM: r.width_m,
    heightM: r.height_m,
    planUrl: `/api/v1/floors/${r.id}/plan`,
  };
}

/** The one mapping of a zone to what the API shows. */
export function toZoneDto(z: ZoneFields): ZoneDto {
  return {
    id: z.id,
    code: z.code,
    name: z.name,
    kind: z.kind,
    careUnit: z.careUnit,
    polygon: z.polygon,
    centroid: [z.centroidX, z.centroidY],
  };
}

function toPlacedDeviceDto(r: DeviceRow): PlacedDeviceDto {
  return {
    id: r.id,
    code: r.code,
    name: r.name,
    kind: r.kind,
    x: r.x,
    y: r.y,
    lastSeenAt: r.last_seen_at?.toISOString() ?? null,
    antennas: r.antennas,
  };
}

function toOpeningDto(r: OpeningRow): OpeningDto {
  return { x: r.x, y: r.y, kind: r.kind, zoneIds: [r.zone_a_id, r.zone_b_id] };
}

/** Read side of the facility: floors, their zones and drawings. */
@Injectable()
export class FacilityService {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** The floors, only those of the caller's sites when they are restricted to some. */
  async listFloors(scope: UserScope = UNRESTRICTED): Promise<FloorSummaryDto[]> {
    const where = scopeSql(scope, 's.id', null);
    const rows: FloorRow[] = await this.dataSource.query(
      `${FLOOR_SELECT} WHERE ${where.sql} ORDER BY s.name, b.name, f.level, f.code`,
      where.params,
    );
    return rows.map(toFloorSummary);
  }

  /** 404 unless the floor exists and is on one of the caller's sites (a floor outside them is not revealed). */
  async assertFloorVisible(id: string, scope: UserScope): Promise<void> {
    const where = scopeSql(scope, 'b.site_id', null, 2);
    const [row] = await this.dataSource.query<{ id: string }[]>(
      `SELECT f.id FROM floor f JOIN building b ON b.id = f.building_id WHERE f.id = $1 AND ${where.sql}`,
      [id, ...where.params],
    );
    if (!row) throw new NotFoundException(`Floor ${id} not found`);
  }

  async getFloor(id: string, scope: UserScope = UNRESTRICTED): Promise<FloorDetailDto> {
    const where = scopeSql(scope, 's.id', null, 2);
    const [floor] = await this.dataSource.query<FloorRow[]>(`${FLOOR_SELECT} WHERE f.id = $1 AND ${where.sql}`, [
      id,
      ...where.params,
    ]);
    if (!floor) throw new NotFoundException(`Floor ${id} not found`);
    const zones: ZoneFields[] = await this.dataSource.query(
      `SELECT id, code, name, kind, care_unit AS "careUnit", polygon, centroid_x AS "centroidX", centroid_y AS "centroidY"
       FROM zone WHERE floor_id = $1 ORDER BY code`,
      [id],
    );
    // Devices mounted on this floor (a device without a position cannot be drawn, so is left out).
    const devices: DeviceRow[] = await this.dataSource.query(
      `SELECT d.id, d.code, d.name, d.kind, d.x, d.y, d.last_seen_at,
              coalesce((SELECT json_agg(json_build_object('port', a.port, 'zoneId', a.zone_id, 'side', a.side)
                                        ORDER BY a.port)
                        FROM antenna a WHERE a.device_id = d.id), '[]') AS antennas
       FROM device d WHERE d.floor_id = $1 AND d.x IS NOT NULL AND d.y IS NOT NULL ORDER BY d.code`,
      [id],
    );
    const openings: OpeningRow[] = await this.dataSource.query(
      `SELECT x, y, kind, zone_a_id, zone_b_id FROM opening WHERE floor_id = $1 ORDER BY x, y, zone_a_id, zone_b_id`,
      [id],
    );
    return {
      ...toFloorSummary(floor),
      zones: zones.map(toZoneDto),
      devices: devices.map(toPlacedDeviceDto),
      openings: openings.map(toOpeningDto),
    };
  }

  async getFloorPlanSvg(id: string): Promise<string> {
    const [row] = await this.dataSource.query<{ plan_svg: string }[]>(`SELECT plan_svg FROM floor WHERE id = $1`, [id]);
    if (!row) throw new NotFoundException(`Floor ${id} not found`);
    return row.plan_svg;
  }
}
