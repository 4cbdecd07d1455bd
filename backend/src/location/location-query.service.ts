import { Injectable, NotFoundException } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { AssetStatus, TagLocationDto, ZoneKind } from '@wardtrack/contracts';
import type { DataSource } from 'typeorm';

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
  asset_id: string | null;
  asset_name: string | null;
  asset_type: string | null;
  asset_status: AssetStatus | null;
}

const LOCATION_SELECT = `
  SELECT l.tag_id, l.zone_id, z.name AS zone_name, z.kind AS zone_kind, l.floor_id, f.name AS floor_name,
         l.x, l.y, l.last_seen_at, l.zone_since,
         a.id AS asset_id, a.name AS asset_name, a.asset_type, a.status AS asset_status
  FROM tag_location l
  JOIN zone z ON z.id = l.zone_id
  JOIN floor f ON f.id = l.floor_id
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
    asset:
      r.asset_id && r.asset_name && r.asset_type && r.asset_status
        ? { id: r.asset_id, name: r.asset_name, assetType: r.asset_type, status: r.asset_status }
        : null,
  };
}

@Injectable()
export class LocationQueryService {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async tagLocation(tagId: string): Promise<TagLocationDto> {
    const [row] = await this.dataSource.query<LocationRow[]>(`${LOCATION_SELECT} WHERE l.tag_id = $1`, [tagId]);
    if (!row) throw new NotFoundException(`Tag ${tagId} has not been located`);
    return toTagLocationDto(row);
  }

  /** Tags heard but bound to nothing (no asset): new tags to enrol, strays, or a neighbour's equipment. */
  async unknownTags(limit: number): Promise<TagLocationDto[]> {
    const rows = await this.dataSource.query<LocationRow[]>(
      `${LOCATION_SELECT} WHERE a.id IS NULL ORDER BY l.last_seen_at DESC LIMIT $1`,
      [limit],
    );
    return rows.map(toTagLocationDto);
  }

  async tagsOnFloor(floorId: string): Promise<TagLocationDto[]> {
    const rows: LocationRow[] = await this.dataSource.query(
      `${LOCATION_SELECT} WHERE l.floor_id = $1 ORDER BY z.name, l.tag_id`,
      [floorId],
    );
    return rows.map(toTagLocationDto);
  }
}
