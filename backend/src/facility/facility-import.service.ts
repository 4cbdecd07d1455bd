import { createHash } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { AuditService, type AuditTrail } from '@backend/audit/audit.service';
import { type Actor } from '@backend/auth/principal';
import { Antenna, Device } from '@backend/devices/device.entities';
import { Building, Floor, Site, Zone } from './facility.entities';
import { labelPoint } from './geometry';
import type { LoadedSitePlan } from './site-plan';

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

/**
 * Imports a site plan idempotently: everything is matched by its code, so a re-import updates
 * in place and never duplicates; zones and antennas gone from the plan are removed. Every
 * change goes through the audit log.
 */
@Injectable()
export class FacilityImportService {
  private readonly logger = new Logger(FacilityImportService.name);

  constructor(private readonly audit: AuditService) {}

  async importSite(actor: Actor, loaded: LoadedSitePlan): Promise<ImportSummary> {
    const summary: ImportSummary = { site: loaded.plan.site.code, created: 0, updated: 0, deleted: 0 };
    await this.audit.transaction(actor, async (tx, audit) => {
      // Two api instances starting together import one after the other, never interleaved.
      await tx.query('SELECT pg_advisory_xact_lock($1)', [IMPORT_LOCK_KEY]);
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
          }
          const stale = (await tx.getRepository(Zone).findBy({ floorId: floor.id })).filter(
            (z) => !f.zones.some((pz) => pz.code === z.code),
          );
          for (const z of stale) {
            await tx.getRepository(Zone).delete({ id: z.id });
            audit.deleted('zone', z.id, { code: z.code, name: z.name });
            summary.deleted++;
          }
        }
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
    });
    this.logger.log(`Imported site ${summary.site} from ${loaded.source}: ${JSON.stringify(summary)}`);
    return summary;
  }

  /** The drawing is stored with the floor so any api instance can serve it; the audit log keeps its digest. */
  private async storeDrawing(
    tx: EntityManager,
    audit: AuditTrail,
    summary: ImportSummary,
    floorId: string,
    svg: string,
  ) {
    const [row] = await tx.query<{ plan_svg: string }[]>(`SELECT plan_svg FROM floor WHERE id = $1`, [floorId]);
    if (row.plan_svg === svg) return;
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
