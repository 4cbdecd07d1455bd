import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import type { EngineTopology, LocationEvent, TagFix } from './engine/engine.types';

/** A present tag's stored last-seen time is refreshed at most this often while it stays put. */
export const LAST_SEEN_REFRESH_MS = 30_000;

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

/** What one transaction wrote, for the ledger and metrics. */
export interface PersistedChanges {
  moves: number;
  lost: number;
  passages: number;
  refreshed: number;
}

interface FixRow {
  tag_id: string;
  zone_id: string;
  floor_id: string;
  x: number;
  y: number;
  confidence: number;
  tech: 'rfid' | 'ble';
  state: 'present' | 'lost';
  zone_since_ms: string;
  last_seen_ms: string;
}

/** Set-based SQL for the worker's hot path (no ORM per row). */
@Injectable()
export class LocationRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /**
   * The facility as the location engine sees it, in a stable order: the worker compares it with
   * the previous read to decide whether the engines need it (rebuilding them is costly).
   */
  async loadTopology(): Promise<EngineTopology> {
    const [floors, zones, antennas, gateways] = await Promise.all([
      this.dataSource.query<{ id: string; level: number }[]>(`SELECT id, level FROM floor ORDER BY id`),
      this.dataSource.query<
        { id: string; floor_id: string; kind: string; polygon: [number, number][]; cx: number; cy: number }[]
      >(`SELECT id, floor_id, kind, polygon, centroid_x AS cx, centroid_y AS cy FROM zone ORDER BY id`),
      this.dataSource.query<
        { device_id: string; port: number; zone_id: string; floor_id: string; side: 'inside' | 'outside' | null }[]
      >(`SELECT a.device_id, a.port, a.zone_id, z.floor_id, a.side FROM antenna a JOIN zone z ON z.id = a.zone_id
         ORDER BY a.device_id, a.port`),
      this.dataSource.query<{ id: string; floor_id: string; x: number; y: number }[]>(
        `SELECT id, floor_id, x, y FROM device
         WHERE kind = 'ble_gateway' AND floor_id IS NOT NULL AND x IS NOT NULL AND y IS NOT NULL ORDER BY id`,
      ),
    ]);
    return {
      floors: floors.map((f) => ({ id: f.id, level: f.level })),
      zones: zones.map((z) => ({
        id: z.id,
        floorId: z.floor_id,
        kind: z.kind,
        polygon: z.polygon,
        centroid: [z.cx, z.cy] as const,
      })),
      antennas: antennas.map((a) => ({
        deviceId: a.device_id,
        port: a.port,
        zoneId: a.zone_id,
        floorId: a.floor_id,
        side: a.side,
      })),
      gateways: gateways.map((g) => ({ deviceId: g.id, floorId: g.floor_id, x: g.x, y: g.y })),
    };
  }

  /** Every stored fix (the engine's state after a restart); the caller keeps its partitions' tags. */
  async loadFixes(): Promise<TagFix[]> {
    const rows = await this.dataSource.query<FixRow[]>(
      `SELECT tag_id, zone_id, floor_id, x, y, confidence, tech, state,
              (extract(epoch FROM zone_since) * 1000)::bigint AS zone_since_ms,
              (extract(epoch FROM last_seen_at) * 1000)::bigint AS last_seen_ms
       FROM tag_location`,
    );
    return rows.map((r) => ({
      tagId: r.tag_id,
      tech: r.tech,
      zoneId: r.zone_id,
      floorId: r.floor_id,
      x: r.x,
      y: r.y,
      confidence: r.confidence,
      zoneSince: Number(r.zone_since_ms),
      seenAt: Number(r.last_seen_ms),
      state: r.state,
    }));
  }

  /** Which of these jobs the ledger already holds (processed before: a replay). */
  async processedBatches(tx: EntityManager, batchIds: readonly string[]): Promise<Set<string>> {
    const rows: { batch_id: string }[] = await tx.query(
      `SELECT batch_id FROM ingest_batch WHERE batch_id = ANY($1::text[])`,
      [batchIds],
    );
    return new Set(rows.map((r) => r.batch_id));
  }

  /**
   * Records the jobs in the ledger, each with the number of location events it caused, in the
   * transaction that wrote those changes. Throws (rolling the transaction back) if another
   * process recorded one of them meanwhile, so a job's changes are never written twice.
   */
  async recordBatches(
    tx: EntityManager,
    batches: readonly { batchId: string; deviceId: string; readCount: number; receivedAt: number; changes: number }[],
  ): Promise<void> {
    if (batches.length === 0) return;
    const rows: unknown[] = await tx.query(
      `INSERT INTO ingest_batch (batch_id, device_id, read_count, received_at, location_changes)
       SELECT u.batch_id, u.device_id, u.read_count, to_timestamp(u.received_ms / 1000.0), u.changes
       FROM unnest($1::text[], $2::uuid[], $3::int[], $4::float8[], $5::int[])
         AS u(batch_id, device_id, read_count, received_ms, changes)
       ON CONFLICT (batch_id) DO NOTHING RETURNING batch_id`,
      [
        batches.map((b) => b.batchId),
        batches.map((b) => b.deviceId),
        batches.map((b) => b.readCount),
        batches.map((b) => b.receivedAt),
        batches.map((b) => b.changes),
      ],
    );
    if (rows.length !== batches.length) {
      throw new Error(`${batches.length - rows.length} batch(es) were recorded by another process meanwhile`);
    }
  }

  /**
   * Devices were heard: last seen is when WE heard them (a reader with a slow clock is not
   * offline); clock skew is the device's newest time minus our receive time (negative too while
   * it replays a buffer). One statement for all devices of a group, the newest batch per device.
   */
  async devicesSeen(
    tx: EntityManager,
    seen: readonly { deviceId: string; deviceTime: number; receivedAt: number }[],
  ): Promise<void> {
    if (seen.length === 0) return;
    const newest = new Map<string, { deviceTime: number; receivedAt: number }>();
    for (const s of seen) {
      const n = newest.get(s.deviceId);
      if (!n || s.receivedAt >= n.receivedAt) newest.set(s.deviceId, s);
    }
    const ids = [...newest.keys()];
    await tx.query(
      `UPDATE device d SET
         last_seen_at = CASE WHEN d.last_seen_at IS NULL OR d.last_seen_at < to_timestamp(u.received / 1000.0)
                             THEN to_timestamp(u.received / 1000.0) ELSE d.last_seen_at END,
         clock_skew_ms = LEAST(GREATEST(round(u.device_time - u.received)::bigint, -2147483648), 2147483647)::int
       FROM unnest($1::uuid[], $2::float8[], $3::float8[]) AS u(id, device_time, received)
       WHERE d.id = u.id`,
      [ids, ids.map((id) => newest.get(id)!.deviceTime), ids.map((id) => newest.get(id)!.receivedAt)],
    );
  }

  /**
   * Writes what the engine decided, set-based: the current fix per tag (moves, lost tags, and
   * last-seen refreshes of present tags), the stays (the open stay closed, the new one opened),
   * and doorway passages. At most a handful of statements whatever the batch size.
   */
  async persist(
    tx: EntityManager,
    events: readonly LocationEvent[],
    refresh: readonly TagFix[],
    current: (tagId: string) => TagFix | undefined = () => undefined,
  ): Promise<PersistedChanges> {
    const fixes = new Map<string, TagFix>();
    for (const f of refresh) fixes.set(f.tagId, f);
    const closeAt = new Map<string, number>();
    const stays: { tagId: string; zoneId: string; floorId: string; entered: number; left: number | null }[] = [];
    const openOf = new Map<string, number>();
    const lastOf = new Map<string, number>();
    const passages: { tagId: string; zoneId: string; direction: string; at: number }[] = [];
    let moves = 0;
    let lost = 0;
    for (const e of events) {
      if (e.type === 'DoorwayCrossed') {
        passages.push({ tagId: e.tagId, zoneId: e.zoneId, direction: e.direction, at: e.at });
        continue;
      }
      // The stored fix is the engine's newest (it may have heard the tag again since the change).
      const now = current(e.tagId);
      fixes.set(e.tagId, now && now.seenAt >= e.fix.seenAt ? now : e.fix);
      // Stays are contiguous: the old one ends when the tag entered the new zone (or went silent).
      const ends = e.type === 'TagLost' ? e.fix.seenAt : e.fix.zoneSince;
      // The stay opened earlier in this batch ends here; otherwise the stored open stay does.
      const open = openOf.get(e.tagId);
      if (open !== undefined) {
        stays[open].left = Math.max(stays[open].entered, ends);
        openOf.delete(e.tagId);
      } else if (!closeAt.has(e.tagId)) {
        closeAt.set(e.tagId, ends);
      }
      if (e.type === 'LocationChanged') {
        moves++;
        const previous = lastOf.get(e.tagId);
        const entered = Math.max(
          e.fix.zoneSince,
          previous === undefined ? -Infinity : (stays[previous].left ?? -Infinity),
        );
        openOf.set(e.tagId, stays.length);
        lastOf.set(e.tagId, stays.length);
        stays.push({ tagId: e.tagId, zoneId: e.fix.zoneId, floorId: e.fix.floorId, entered, left: null });
      } else {
        lost++;
      }
    }

    // Close the stored open stays first.
    if (closeAt.size > 0) {
      const tags = [...closeAt.keys()];
      await tx.query(
        `UPDATE tag_stay s SET left_at = GREATEST(s.entered_at, to_timestamp(u.at / 1000.0))
         FROM unnest($1::text[], $2::float8[]) AS u(tag_id, at)
         WHERE s.tag_id = u.tag_id AND s.left_at IS NULL`,
        [tags, tags.map((t) => closeAt.get(t)!)],
      );
    }
    if (stays.length > 0) {
      // A new stay never starts before the tag's latest stored stay ended (a change re-derived
      // from older reads after the engine was rebuilt), and the same stay is never written twice.
      await tx.query(
        `INSERT INTO tag_stay (tag_id, zone_id, floor_id, entered_at, left_at)
         SELECT u.tag_id, u.zone_id, u.floor_id, e.entered_at,
                CASE WHEN u.left_ms IS NULL THEN NULL ELSE GREATEST(e.entered_at, to_timestamp(u.left_ms / 1000.0)) END
         FROM unnest($1::text[], $2::uuid[], $3::uuid[], $4::float8[], $5::float8[])
           AS u(tag_id, zone_id, floor_id, entered, left_ms)
         CROSS JOIN LATERAL (
           SELECT GREATEST(to_timestamp(u.entered / 1000.0),
                           (SELECT s.left_at FROM tag_stay s WHERE s.tag_id = u.tag_id
                            ORDER BY s.entered_at DESC LIMIT 1)) AS entered_at
         ) e
         ON CONFLICT (tag_id, zone_id, entered_at) DO NOTHING`,
        [
          stays.map((s) => s.tagId),
          stays.map((s) => s.zoneId),
          stays.map((s) => s.floorId),
          stays.map((s) => s.entered),
          stays.map((s) => s.left),
        ],
      );
    }
    if (fixes.size > 0) await this.upsertFixes(tx, [...fixes.values()]);
    if (passages.length > 0) {
      await tx.query(
        `INSERT INTO tag_passage (tag_id, zone_id, direction, passed_at)
         SELECT u.tag_id, u.zone_id, u.direction, to_timestamp(u.at / 1000.0)
         FROM unnest($1::text[], $2::uuid[], $3::text[], $4::float8[]) AS u(tag_id, zone_id, direction, at)
         ON CONFLICT DO NOTHING`,
        [
          passages.map((p) => p.tagId),
          passages.map((p) => p.zoneId),
          passages.map((p) => p.direction),
          passages.map((p) => p.at),
        ],
      );
    }
    return { moves, lost, passages: passages.length, refreshed: fixes.size - moves - lost };
  }

  private async upsertFixes(tx: EntityManager, fixes: TagFix[]): Promise<void> {
    // An older fix never overwrites a newer one (a late or re-run batch after a newer write).
    await tx.query(
      `INSERT INTO tag_location AS t
           (tag_id, zone_id, floor_id, x, y, confidence, tech, state, zone_since, last_seen_at)
         SELECT u.tag_id, u.zone_id, u.floor_id, u.x, u.y, u.confidence, u.tech, u.state,
                to_timestamp(u.since_ms / 1000.0), to_timestamp(u.seen_ms / 1000.0)
         FROM unnest($1::text[], $2::uuid[], $3::uuid[], $4::float8[], $5::float8[], $6::real[], $7::text[],
                     $8::text[], $9::float8[], $10::float8[])
           AS u(tag_id, zone_id, floor_id, x, y, confidence, tech, state, since_ms, seen_ms)
         ON CONFLICT (tag_id) DO UPDATE SET
           zone_id = EXCLUDED.zone_id, floor_id = EXCLUDED.floor_id, x = EXCLUDED.x, y = EXCLUDED.y,
           confidence = EXCLUDED.confidence, tech = EXCLUDED.tech, state = EXCLUDED.state,
           zone_since = EXCLUDED.zone_since, last_seen_at = EXCLUDED.last_seen_at, updated_at = now()
         WHERE EXCLUDED.last_seen_at >= t.last_seen_at`,
      [
        fixes.map((f) => f.tagId),
        fixes.map((f) => f.zoneId),
        fixes.map((f) => f.floorId),
        fixes.map((f) => f.x),
        fixes.map((f) => f.y),
        fixes.map((f) => Math.min(1, Math.max(0, f.confidence))),
        fixes.map((f) => f.tech),
        fixes.map((f) => f.state),
        fixes.map((f) => f.zoneSince),
        fixes.map((f) => f.seenAt),
      ],
    );
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
