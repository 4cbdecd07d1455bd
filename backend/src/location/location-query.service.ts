import { Injectable, NotFoundException } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { AssetStatus, TagLocationDto, TagStayDto, ZoneKind } from '@wardtrack/contracts';
import type { DataSource } from 'typeorm';
import { scopeSql, UNRESTRICTED, type UserScope } from '@backend/auth/scope';

interface LocationRow {
  tag_id: string;
  zone_id: string;
  zone_name: string;
  zone_kind: ZoneKind;
  floor_id: string;
  floor_name: string;
  x: number;
  y: number;
  last_seen_at: Date;
  zone_since: Date;
  age_s: number;
  confidence: number;
  tech: 'rfid' | 'ble';
  state: 'present' | 'lost';
  asset_id: string | null;
  asset_name: string | null;
  asset_type: string | null;
  asset_status: AssetStatus | null;
}

const LOCATION_SELECT = `
  SELECT l.tag_id, l.zone_id, z.name AS zone_name, z.kind AS zone_kind, l.floor_id, f.name AS floor_name,
         l.x, l.y, l.last_seen_at, l.zone_since, l.confidence, l.tech, l.state,
         GREATEST(0, extract(epoch FROM now() - l.last_seen_at))::float8 AS age_s,
         a.id AS asset_id, a.name AS asset_name, a.asset_type, a.status AS asset_status
  FROM tag_location l
  JOIN zone z ON z.id = l.zone_id
  JOIN floor f ON f.id = l.floor_id
  JOIN building b ON b.id = f.building_id
  LEFT JOIN asset a ON a.tag_id = l.tag_id`;

function toTagLocationDto(r: LocationRow): TagLocationDto {
  return {
    tagId: r.tag_id,
    zoneId: r.zone_id,
    zoneName: r.zone_name,
    zoneKind: r.zone_kind,
    floorId: r.floor_id,
    floorName: r.floor_name,
    x: r.x,
    y: r.y,
    lastSeenAt: r.last_seen_at.toISOString(),
    zoneSince: r.zone_since.toISOString(),
    ageSeconds: Math.round(r.age_s),
    confidence: Math.round(r.confidence * 100) / 100,
    tech: r.tech,
    state: r.state,
    asset:
      r.asset_id && r.asset_name && r.asset_type && r.asset_status
        ? { id: r.asset_id, name: r.asset_name, assetType: r.asset_type, status: r.asset_status }
        : null,
  };
}

@Injectable()
export class LocationQueryService {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** Where a tag is; 404 also when its zone is outside the caller's sites or care units. */
  async tagLocation(tagId: string, scope: UserScope = UNRESTRICTED): Promise<TagLocationDto> {
    const where = scopeSql(scope, 'b.site_id', 'z.care_unit', 2);
    const [row] = await this.dataSource.query<LocationRow[]>(
      `${LOCATION_SELECT} WHERE l.tag_id = $1 AND ${where.sql}`,
      [tagId, ...where.params],
    );
    if (!row) throw new NotFoundException(`Tag ${tagId} has not been located`);
    return toTagLocationDto(row);
  }

  /** Tags heard but bound to nothing (no asset): new tags to enrol, strays, or a neighbour's equipment. */
  async unknownTags(limit: number, scope: UserScope = UNRESTRICTED): Promise<TagLocationDto[]> {
    const where = scopeSql(scope, 'b.site_id', 'z.care_unit', 2);
    const rows = await this.dataSource.query<LocationRow[]>(
      `${LOCATION_SELECT} WHERE a.id IS NULL AND ${where.sql} ORDER BY l.last_seen_at DESC LIMIT $1`,
      [limit, ...where.params],
    );
    return rows.map(toTagLocationDto);
  }

  /** The tags located on a floor; 404 when the floor is outside the caller's sites. */
  async tagsOnFloor(floorId: string, scope: UserScope = UNRESTRICTED): Promise<TagLocationDto[]> {
    await this.assertFloorVisible(floorId, scope);
    const rows: LocationRow[] = await this.dataSource.query(
      `${LOCATION_SELECT} WHERE l.floor_id = $1 ORDER BY z.name, l.tag_id`,
      [floorId],
    );
    return rows.map(toTagLocationDto);
  }

  /**
   * A tag's stays overlapping [from, to], oldest first (at most `limit`); 404 when the tag has
   * never been located or its current zone is outside the caller's scope. Stays in zones
   * outside the caller's sites and care units are left out.
   */
  async stays(
    tagId: string,
    from: Date,
    to: Date,
    limit: number,
    scope: UserScope = UNRESTRICTED,
  ): Promise<TagStayDto[]> {
    await this.tagLocation(tagId, scope);
    const where = scopeSql(scope, 'b.site_id', 'z.care_unit', 5);
    const rows = await this.dataSource.query<
      {
        zone_id: string;
        zone_name: string;
        zone_kind: ZoneKind;
        floor_id: string;
        floor_name: string;
        entered_at: Date;
        left_at: Date | null;
      }[]
    >(
      `SELECT s.zone_id, z.name AS zone_name, z.kind AS zone_kind, s.floor_id, f.name AS floor_name,
              s.entered_at, s.left_at
       FROM tag_stay s
       JOIN zone z ON z.id = s.zone_id
       JOIN floor f ON f.id = s.floor_id
       JOIN building b ON b.id = f.building_id
       WHERE s.tag_id = $1 AND s.entered_at <= $3 AND (s.left_at IS NULL OR s.left_at >= $2) AND ${where.sql}
       ORDER BY s.entered_at, s.id
       LIMIT $4`,
      [tagId, from, to, limit, ...where.params],
    );
    return rows.map((r) => ({
      zoneId: r.zone_id,
      zoneName: r.zone_name,
      zoneKind: r.zone_kind,
      floorId: r.floor_id,
      floorName: r.floor_name,
      enteredAt: r.entered_at.toISOString(),
      leftAt: r.left_at ? r.left_at.toISOString() : null,
    }));
  }

  /** 404 unless the floor exists and lies in one of the caller's sites. */
  async assertFloorVisible(floorId: string, scope: UserScope = UNRESTRICTED): Promise<void> {
    const visible = scopeSql(scope, 'b.site_id', null, 2);
    const [floor] = await this.dataSource.query<{ id: string }[]>(
      `SELECT f.id FROM floor f JOIN building b ON b.id = f.building_id WHERE f.id = $1 AND ${visible.sql}`,
      [floorId, ...visible.params],
    );
    if (!floor) throw new NotFoundException(`Floor ${floorId} not found`);
  }
}
