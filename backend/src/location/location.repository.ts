import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import type { AntennaCoverage, ZoneFix } from './zone-resolver';

/** A stored fix is refreshed at most this often while the tag stays in its zone. */
export const LAST_SEEN_REFRESH_S = 30;

export interface LocationChange {
  tagId: string;
  zoneId: string;
  floorId: string;
  x: number;
  y: number;
  seenAt: Date;
  /** True when the tag entered a new zone (false: only its last-seen time was refreshed). */
  moved: boolean;
}

/** The newest telemetry of one tag in a batch (each field from the newest read carrying it). */
export interface TagTelemetry {
  tagId: string;
  batteryMv: number | null;
  batteryPercent: number | null;
  temperatureC: number | null;
  addressType: 'public' | 'random' | null;
  /** Epoch ms of the newest read that carried telemetry. */
  seenAt: number;
}

/** Set-based SQL for the worker's hot path (no ORM per row). */
@Injectable()
export class LocationRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** Antenna port -> covered zone, for one device. */
  async coverageOf(deviceId: string): Promise<Map<number, AntennaCoverage>> {
    const rows: { port: number; zone_id: string; floor_id: string; x: number; y: number }[] =
      await this.dataSource.query(
        `SELECT a.port, z.id AS zone_id, z.floor_id, z.centroid_x AS x, z.centroid_y AS y
       FROM antenna a JOIN zone z ON z.id = a.zone_id WHERE a.device_id = $1`,
        [deviceId],
      );
    return new Map(rows.map((r) => [r.port, { zoneId: r.zone_id, floorId: r.floor_id, x: r.x, y: r.y }]));
  }

  /**
   * Records the batch in the ledger; false if it was processed before (a replayed job),
   * in which case the caller must change nothing.
   */
  async claimBatch(
    tx: EntityManager,
    batch: { batchId: string; deviceId: string; readCount: number; receivedAt: number },
  ): Promise<boolean> {
    const rows: unknown[] = await tx.query(
      `INSERT INTO ingest_batch (batch_id, device_id, read_count, received_at, location_changes)
       VALUES ($1, $2, $3, to_timestamp($4 / 1000.0), 0) ON CONFLICT (batch_id) DO NOTHING RETURNING batch_id`,
      [batch.batchId, batch.deviceId, batch.readCount, batch.receivedAt],
    );
    return rows.length === 1;
  }

  async finishBatch(
    tx: EntityManager,
    batch: { batchId: string; deviceId: string; receivedAt: number },
    changes: number,
    lastSeen: number | null,
  ) {
    await tx.query(`UPDATE ingest_batch SET location_changes = $2 WHERE batch_id = $1`, [batch.batchId, changes]);
    if (lastSeen !== null) {
      // Last seen is when WE heard the device (a reader with a slow clock is not offline); clock
      // skew is the device's newest time minus our receive time (negative too while it replays a buffer).
      await tx.query(
        `UPDATE device SET
           last_seen_at = CASE WHEN last_seen_at IS NULL OR last_seen_at < to_timestamp($3 / 1000.0)
                               THEN to_timestamp($3 / 1000.0) ELSE last_seen_at END,
           clock_skew_ms = LEAST(GREATEST(round($2 - $3)::bigint, -2147483648), 2147483647)::int
         WHERE id = $1`,
        [batch.deviceId, lastSeen, batch.receivedAt],
      );
    }
  }

  /**
   * Upserts the fixes in one statement, writing a row only when the tag changed zone, is new,
   * or its stored last-seen is older than LAST_SEEN_REFRESH_S; older observations never
   * overwrite newer ones (late or replayed batches).
   */
  async applyFixes(tx: EntityManager, deviceId: string, fixes: ZoneFix[]): Promise<LocationChange[]> {
    if (fixes.length === 0) return [];
    const rows: {
      tag_id: string;
      zone_id: string;
      floor_id: string;
      x: number;
      y: number;
      last_seen_at: Date;
      moved: boolean;
    }[] = await tx.query(
      `INSERT INTO tag_location AS t
           (tag_id, zone_id, floor_id, x, y, device_id, antenna_port, rssi, zone_since, last_seen_at)
         SELECT u.tag_id, u.zone_id, u.floor_id, u.x, u.y, $1, u.port, u.rssi,
                to_timestamp(u.seen_ms / 1000.0), to_timestamp(u.seen_ms / 1000.0)
         FROM unnest($2::text[], $3::uuid[], $4::uuid[], $5::float8[], $6::float8[], $7::int[], $8::real[], $9::float8[])
           AS u(tag_id, zone_id, floor_id, x, y, port, rssi, seen_ms)
         ON CONFLICT (tag_id) DO UPDATE SET
           zone_id = EXCLUDED.zone_id, floor_id = EXCLUDED.floor_id, x = EXCLUDED.x, y = EXCLUDED.y,
           device_id = EXCLUDED.device_id, antenna_port = EXCLUDED.antenna_port, rssi = EXCLUDED.rssi,
           zone_since = CASE WHEN t.zone_id = EXCLUDED.zone_id THEN t.zone_since ELSE EXCLUDED.zone_since END,
           last_seen_at = EXCLUDED.last_seen_at, updated_at = now()
         WHERE EXCLUDED.last_seen_at > t.last_seen_at
           AND (t.zone_id <> EXCLUDED.zone_id
                OR EXCLUDED.last_seen_at >= t.last_seen_at + make_interval(secs => ${LAST_SEEN_REFRESH_S}))
         RETURNING tag_id, zone_id, floor_id, x, y, last_seen_at, (zone_since = last_seen_at) AS moved`,
      [
        deviceId,
        fixes.map((f) => f.tagId),
        fixes.map((f) => f.zoneId),
        fixes.map((f) => f.floorId),
        fixes.map((f) => f.x),
        fixes.map((f) => f.y),
        fixes.map((f) => f.antenna),
        fixes.map((f) => f.rssi),
        fixes.map((f) => f.seenAt),
      ],
    );
    return rows.map((r) => ({
      tagId: r.tag_id,
      zoneId: r.zone_id,
      floorId: r.floor_id,
      x: r.x,
      y: r.y,
      seenAt: r.last_seen_at,
      moved: r.moved,
    }));
  }

  /**
   * Upserts the newest telemetry per tag in one statement. Older reads (replayed buffers) never
   * overwrite newer values; a field a read does not carry keeps its stored value.
   */
  async upsertTelemetry(tx: EntityManager, rows: TagTelemetry[]): Promise<void> {
    if (rows.length === 0) return;
    await tx.query(
      `INSERT INTO tag_telemetry AS t (tag_id, battery_mv, battery_percent, temperature_c, address_type, updated_at)
         SELECT u.tag_id, u.mv, u.pct, u.temp, u.address_type, to_timestamp(u.seen_ms / 1000.0)
         FROM unnest($1::text[], $2::int[], $3::real[], $4::real[], $5::float8[], $6::text[])
           AS u(tag_id, mv, pct, temp, seen_ms, address_type)
         ON CONFLICT (tag_id) DO UPDATE SET
           battery_mv = COALESCE(EXCLUDED.battery_mv, t.battery_mv),
           battery_percent = COALESCE(EXCLUDED.battery_percent, t.battery_percent),
           temperature_c = COALESCE(EXCLUDED.temperature_c, t.temperature_c),
           address_type = COALESCE(EXCLUDED.address_type, t.address_type),
           updated_at = EXCLUDED.updated_at
         WHERE EXCLUDED.updated_at >= t.updated_at`,
      [
        rows.map((r) => r.tagId),
        rows.map((r) => (r.batteryMv === null ? null : Math.round(r.batteryMv))),
        rows.map((r) => r.batteryPercent),
        rows.map((r) => r.temperatureC),
        rows.map((r) => r.seenAt),
        rows.map((r) => r.addressType),
      ],
    );
  }
}
