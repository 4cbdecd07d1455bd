import { createHash } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { AuditService, type AuditTrail } from '@backend/audit/audit.service';
import { type Actor } from '@backend/auth/principal';
import { Antenna, Device } from '@backend/devices/device.entities';
import { Building, Floor, Site, Zone } from './facility.entities';
import { labelPoint } from './geometry';
import type { LoadedSitePlan, SitePlan } from './site-plan';
import { WalkingService } from './walking.service';

export interface ImportSummary {
  site: string;
  created: number;
  updated: number;
  deleted: number;
}

type Row = Record<string, unknown>;

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

const IMPORT_LOCK_KEY = 0x666c6f6f; // "floo"

/** Does the stored row already say what the plan says? (Only changed rows are written and audited.) */
function same(stored: Row, wanted: Row): boolean {
  return Object.keys(wanted).every((k) => JSON.stringify(stored[k]) === JSON.stringify(wanted[k]));
}

type PlanFloor = SitePlan['buildings'][number]['floors'][number];
type PlanLink = NonNullable<SitePlan['verticalLinks']>[number];

interface OpeningRow {
  id: string;
  kind: string;
  zone_a_id: string;
  zone_b_id: string;
  x: number;
  y: number;
  zone_a_code: string;
  zone_b_code: string;
}

const OPENING_KINDS: readonly string[] = ['door', 'opening'];
const VERTICAL_LINK_KINDS: readonly string[] = ['elevator', 'stairs'];

/** An opening is one door whichever way round the plan names its zones: the pair is stored sorted. */
const openingKey = (zoneA: string, zoneB: string, x: number, y: number) => `${zoneA}|${zoneB}|${x}|${y}`;

/**
 * Imports a site plan idempotently: everything is matched by its code (openings by their zone
 * pair and point), so a re-import updates in place and never duplicates; zones, openings,
 * vertical links and antennas gone from the plan are removed. Every change goes through the
 * audit log.
 */
@Injectable()
export class FacilityImportService {
  private readonly logger = new Logger(FacilityImportService.name);

  constructor(
    private readonly audit: AuditService,
    private readonly walking: WalkingService,
  ) {}

  /**
   * With `onlyIfChanged` (start-up), a site whose folder is byte for byte what was imported last
   * time is left alone, so restarting never reverts what admins changed through the API.
   */
  async importSite(
    actor: Actor,
    loaded: LoadedSitePlan,
    options: { onlyIfChanged?: boolean } = {},
  ): Promise<ImportSummary> {
    const summary: ImportSummary = { site: loaded.plan.site.code, created: 0, updated: 0, deleted: 0 };
    const sourceHash = sha256(JSON.stringify(loaded.plan) + [...loaded.svgByFloor.entries()].sort().join('\n'));
    let skipped = false;
    await this.audit.transaction(actor, async (tx, audit) => {
      // Two api instances starting together import one after the other, never interleaved.
      await tx.query('SELECT pg_advisory_xact_lock($1)', [IMPORT_LOCK_KEY]);
      if (options.onlyIfChanged) {
        const [site] = await tx.query<{ source_hash: string | null }[]>(
          `SELECT source_hash FROM site WHERE code = $1`,
          [loaded.plan.site.code],
        );
        if (site?.source_hash === sourceHash) {
          skipped = true;
          return;
        }
      }
      const upsert = <T extends { id: string }>(
        entity: new () => T,
        subject: string,
        match: Row,
        wanted: Row,
      ): Promise<T> => this.upsert(tx, audit, summary, entity, subject, match, wanted);

      const { plan } = loaded;
      const site = await upsert(
        Site,
        'site',
        { code: plan.site.code },
        { name: plan.site.name, timeZone: plan.site.timeZone },
      );
      const zoneIdByCode = new Map<string, string>();
      const floorIdByCode = new Map<string, string>();
      const levelByZoneCode = new Map<string, number>();
      // Zones gone from the plan are deleted last, after the openings and links that named them.
      const staleZones: Zone[] = [];
      for (const b of plan.buildings) {
        const building = await upsert(Building, 'building', { siteId: site.id, code: b.code }, { name: b.name });
        for (const f of b.floors) {
          const floor = await upsert(
            Floor,
            'floor',
            { buildingId: building.id, code: f.code },
            { name: f.name, level: f.level, widthM: f.widthM, heightM: f.heightM },
          );
          floorIdByCode.set(f.code, floor.id);
          await this.storeDrawing(tx, audit, summary, floor.id, loaded.svgByFloor.get(f.code) ?? '');
          for (const z of f.zones) {
            const [cx, cy] = labelPoint(z.polygon);
            const zone = await upsert(
              Zone,
              'zone',
              { floorId: floor.id, code: z.code },
              {
                name: z.name,
                kind: z.kind,
                careUnit: z.careUnit ?? null,
                polygon: z.polygon,
                centroidX: cx,
                centroidY: cy,
              },
            );
            zoneIdByCode.set(z.code, zone.id);
            levelByZoneCode.set(z.code, f.level);
          }
          await this.importOpenings(tx, audit, summary, floor.id, f, zoneIdByCode);
          staleZones.push(
            ...(await tx.getRepository(Zone).findBy({ floorId: floor.id })).filter(
              (z) => !f.zones.some((pz) => pz.code === z.code),
            ),
          );
        }
      }
      await this.importVerticalLinks(
        tx,
        audit,
        summary,
        site.id,
        plan.verticalLinks ?? [],
        zoneIdByCode,
        levelByZoneCode,
      );
      for (const z of staleZones) {
        await tx.getRepository(Zone).delete({ id: z.id });
        audit.deleted('zone', z.id, { code: z.code, name: z.name });
        summary.deleted++;
      }
      for (const d of plan.devices ?? []) {
        const device = await upsert(
          Device,
          'device',
          { code: d.code },
          {
            name: d.name,
            kind: d.kind,
            vendorFormat: d.vendorFormat,
            floorId: floorIdByCode.get(d.floor) ?? null,
            x: d.at[0],
            y: d.at[1],
          },
        );
        const existing = await tx.getRepository(Antenna).findBy({ deviceId: device.id });
        for (const a of d.antennas ?? []) {
          await upsert(
            Antenna,
            'antenna',
            { deviceId: device.id, port: a.port },
            { zoneId: zoneIdByCode.get(a.zone), side: a.side ?? null },
          );
        }
        for (const gone of existing.filter((e) => !(d.antennas ?? []).some((a) => a.port === e.port))) {
          await tx.getRepository(Antenna).delete({ id: gone.id });
          audit.deleted('antenna', gone.id, { deviceId: gone.deviceId, port: gone.port, zoneId: gone.zoneId });
          summary.deleted++;
        }
      }
      await tx.query(`UPDATE site SET source_hash = $2 WHERE code = $1`, [loaded.plan.site.code, sourceHash]);
    });
    // After the commit: the next route is computed on the imported graph.
    this.walking.invalidate();
    if (skipped) {
      this.logger.log(`Site ${summary.site} unchanged since its last import (${loaded.source}); left as it is`);
      return summary;
    }
    this.logger.log(`Imported site ${summary.site} from ${loaded.source}: ${JSON.stringify(summary)}`);
    return summary;
  }

  /**
   * Openings of one floor, matched by their (sorted) zone pair and point: a moved door is the old
   * one deleted and a new one created; only the kind can change in place.
   */
  private async importOpenings(
    tx: EntityManager,
    audit: AuditTrail,
    summary: ImportSummary,
    floorId: string,
    f: PlanFloor,
    zoneIdByCode: Map<string, string>,
  ) {
    const codeById = new Map(f.zones.map((z) => [zoneIdByCode.get(z.code), z.code]));
    const stored = new Map(
      (
        await tx.query<OpeningRow[]>(
          `SELECT o.id, o.kind, o.zone_a_id, o.zone_b_id, o.x, o.y, za.code AS zone_a_code, zb.code AS zone_b_code
           FROM opening o JOIN zone za ON za.id = o.zone_a_id JOIN zone zb ON zb.id = o.zone_b_id
           WHERE o.floor_id = $1`,
          [floorId],
        )
      ).map((r) => [openingKey(r.zone_a_id, r.zone_b_id, r.x, r.y), r]),
    );
    const seen = new Set<string>();
    for (const o of f.openings ?? []) {
      const ids = o.between.map((code) => (f.zones.some((z) => z.code === code) ? zoneIdByCode.get(code) : undefined));
      if (!ids[0] || !ids[1] || ids[0] === ids[1] || !OPENING_KINDS.includes(o.kind)) {
        this.logger.warn(
          `Opening ${o.between.join(' / ')} on floor ${f.code} skipped: not two zones of that floor, or kind not door/opening`,
        );
        continue;
      }
      const [a, b] = ids[0] < ids[1] ? [ids[0], ids[1]] : [ids[1], ids[0]];
      const [x, y] = o.at;
      const key = openingKey(a, b, x, y);
      if (seen.has(key)) continue; // the same door twice in the plan
      seen.add(key);
      const snapshot = { floorId, kind: o.kind, zones: [codeById.get(a), codeById.get(b)], at: [x, y] };
      const existing = stored.get(key);
      if (!existing) {
        const [{ id }] = await tx.query<{ id: string }[]>(
          `INSERT INTO opening (floor_id, kind, zone_a_id, zone_b_id, x, y) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
          [floorId, o.kind, a, b, x, y],
        );
        audit.created('opening', id, snapshot);
        summary.created++;
      } else if (existing.kind !== o.kind) {
        await tx.query(`UPDATE opening SET kind = $2 WHERE id = $1`, [existing.id, o.kind]);
        audit.updated('opening', existing.id, { ...snapshot, kind: existing.kind }, snapshot);
        summary.updated++;
      }
    }
    for (const [key, gone] of stored) {
      if (seen.has(key)) continue;
      await tx.query(`DELETE FROM opening WHERE id = $1`, [gone.id]);
      audit.deleted('opening', gone.id, {
        floorId,
        kind: gone.kind,
        zones: [gone.zone_a_code, gone.zone_b_code],
        at: [gone.x, gone.y],
      });
      summary.deleted++;
    }
  }

  /** Lifts and staircases by code; a link's stops (its zone per floor, lowest first) are part of it. */
  private async importVerticalLinks(
    tx: EntityManager,
    audit: AuditTrail,
    summary: ImportSummary,
    siteId: string,
    links: PlanLink[],
    zoneIdByCode: Map<string, string>,
    levelByZoneCode: Map<string, number>,
  ) {
    const stored = new Map(
      (
        await tx.query<{ id: string; code: string; kind: string; zones: string[] }[]>(
          `SELECT l.id, l.code, l.kind,
                  coalesce(array_agg(z.code ORDER BY s.position) FILTER (WHERE z.id IS NOT NULL), '{}') AS zones
           FROM vertical_link l
           LEFT JOIN vertical_link_stop s ON s.link_id = l.id LEFT JOIN zone z ON z.id = s.zone_id
           WHERE l.site_id = $1 GROUP BY l.id`,
          [siteId],
        )
      ).map((r) => [r.code, r]),
    );
    for (const link of links) {
      if (!VERTICAL_LINK_KINDS.includes(link.kind)) {
        this.logger.warn(`Vertical link ${link.code} skipped: kind ${link.kind} is not elevator or stairs`);
        continue;
      }
      const zones = link.zones.filter((code) => {
        if (zoneIdByCode.has(code)) return true;
        this.logger.warn(`Vertical link ${link.code}: unknown zone ${code} skipped`);
        return false;
      });
      zones.sort((p, q) => levelByZoneCode.get(p)! - levelByZoneCode.get(q)!); // stable: plan order within a level
      const wanted = { code: link.code, kind: link.kind, zones };
      const existing = stored.get(link.code);
      stored.delete(link.code);
      let id: string;
      if (!existing) {
        [{ id }] = await tx.query<{ id: string }[]>(
          `INSERT INTO vertical_link (site_id, code, kind) VALUES ($1, $2, $3) RETURNING id`,
          [siteId, link.code, link.kind],
        );
        audit.created('vertical_link', id, { siteId, ...wanted });
        summary.created++;
      } else if (same(existing, wanted)) {
        continue;
      } else {
        id = existing.id;
        await tx.query(`UPDATE vertical_link SET kind = $2 WHERE id = $1`, [id, link.kind]);
        await tx.query(`DELETE FROM vertical_link_stop WHERE link_id = $1`, [id]);
        audit.updated(
          'vertical_link',
          id,
          { siteId, code: existing.code, kind: existing.kind, zones: existing.zones },
          {
            siteId,
            ...wanted,
          },
        );
        summary.updated++;
      }
      await tx.query(
        `INSERT INTO vertical_link_stop (link_id, zone_id, position)
         SELECT $1, zone_id, position - 1 FROM unnest($2::uuid[]) WITH ORDINALITY AS t (zone_id, position)`,
        [id, zones.map((code) => zoneIdByCode.get(code))],
      );
    }
    for (const gone of stored.values()) {
      await tx.query(`DELETE FROM vertical_link WHERE id = $1`, [gone.id]);
      audit.deleted('vertical_link', gone.id, { siteId, code: gone.code, kind: gone.kind, zones: gone.zones });
      summary.deleted++;
    }
  }

  /** The drawing is stored with the floor so any api instance can serve it; the audit log keeps its digest. */
  private async storeDrawing(
    tx: EntityManager,
    audit: AuditTrail,
    summary: ImportSummary,
    floorId: string,
    svg: string,
  ) {
    const [row] = await tx.query<{ plan_svg: string; plan_source: string }[]>(
      `SELECT plan_svg, plan_source FROM floor WHERE id = $1`,
      [floorId],
    );
    // A drawing an admin uploaded for this floor wins over the one in floorplans/.
    if (row.plan_source === 'upload' || row.plan_svg === svg) return;
    await tx.query(`UPDATE floor SET plan_svg = $2 WHERE id = $1`, [floorId, svg]);
    audit.updated('floor', floorId, { planSha256: sha256(row.plan_svg) }, { planSha256: sha256(svg) });
    summary.updated++;
  }

  private async upsert<T extends { id: string }>(
    tx: EntityManager,
    audit: AuditTrail,
    summary: ImportSummary,
    entity: new () => T,
    subject: string,
    match: Row,
    wanted: Row,
  ): Promise<T> {
    const repo = tx.getRepository(entity);
    const stored = (await repo.findOneBy(match as never)) as (T & Row) | null;
    if (!stored) {
      // plan_svg is filled in right after by storeDrawing.
      const initial = entity === (Floor as unknown) ? { planSvg: '' } : {};
      const created = (await repo.save(repo.create({ ...match, ...wanted, ...initial } as never))) as unknown as T;
      audit.created(subject, created.id, { ...match, ...wanted });
      summary.created++;
      return created;
    }
    if (same(stored, wanted)) return stored;
    const before = Object.fromEntries(Object.keys(wanted).map((k) => [k, stored[k]]));
    await repo.update({ id: stored.id } as never, wanted as never);
    audit.updated(subject, stored.id, { ...match, ...before }, { ...match, ...wanted });
    summary.updated++;
    return { ...stored, ...wanted };
  }
}
