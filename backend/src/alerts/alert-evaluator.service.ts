import { type BeforeApplicationShutdown, Inject, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Logger } from 'pino';
import type { DataSource, EntityManager } from 'typeorm';
import { APP_CONFIG, type AppConfig } from '@backend/config/app-config';
import { LOGGER } from '@backend/config/config.module';
import { AlertsService, type DetailsPatch } from './alerts.service';
import { type DeviceOfflineDecision, evaluateDeviceOffline, type MonitoredDevice } from './rules/device-offline.rule';
import {
  evaluateLowBattery,
  type LowBatteryDecision,
  MV_HYSTERESIS,
  PERCENT_HYSTERESIS,
  type TagBattery,
} from './rules/low-battery.rule';

// Any constant works as long as every Wardtrack process uses the same one (and it differs from the migration lock).
const EVALUATION_LOCK_KEY = 0x616c7274; // "alrt"

/** What one evaluation did; `skipped` when another worker held the evaluation lock. */
export interface EvaluationReport {
  skipped: boolean;
  opened: { alertId: string; subjectLabel: string; kind?: string }[];
  resolved: { alertId: string; subjectLabel: string; reason: string; kind?: string }[];
}

/**
 * Runs the alert rules in the worker role every ALERT_EVALUATION_INTERVAL_SECONDS. Each run is one
 * transaction under a transaction-scoped advisory lock, so with several workers exactly one
 * evaluates per tick and the others skip. Runs never overlap within a process either.
 */
@Injectable()
export class AlertEvaluatorService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;
  /** The run in flight (or the last one), so runs queue up instead of overlapping. */
  private running: Promise<unknown> = Promise.resolve();

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly alerts: AlertsService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  onApplicationBootstrap(): void {
    this.stopped = false;
    this.schedule();
    this.logger.info(
      { everySeconds: this.config.alerts.evaluationIntervalSeconds },
      'alert evaluation scheduled (device_offline, low_battery)',
    );
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.running;
  }

  /** Runs the rules once now, after any run in flight. `now` is the rules' clock (tests pass their own). */
  evaluate(now: Date = new Date()): Promise<EvaluationReport> {
    const run = this.running.then(() => this.run(now));
    this.running = run.catch(() => undefined);
    return run;
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.evaluate()
        .catch((err: unknown) => this.logger.error({ err }, 'alert evaluation failed'))
        .finally(() => this.schedule());
    }, this.config.alerts.evaluationIntervalSeconds * 1000);
    this.timer.unref();
  }

  private async run(now: Date): Promise<EvaluationReport> {
    const report = await this.dataSource.transaction(async (tx): Promise<EvaluationReport> => {
      const [{ locked }] = await tx.query<{ locked: boolean }[]>(`SELECT pg_try_advisory_xact_lock($1) AS locked`, [
        EVALUATION_LOCK_KEY,
      ]);
      if (!locked) return { skipped: true, opened: [], resolved: [] };
      const offline = await this.deviceOffline(tx, now);
      const battery = await this.lowBattery(tx, now);
      return {
        skipped: false,
        opened: [
          ...offline.opened.map((a) => ({ ...a, kind: 'device_offline' })),
          ...battery.opened.map((a) => ({ ...a, kind: 'low_battery' })),
        ],
        resolved: [
          ...offline.resolved.map((a) => ({ ...a, kind: 'device_offline' })),
          ...battery.resolved.map((a) => ({ ...a, kind: 'low_battery' })),
        ],
      };
    });
    for (const a of report.opened) this.logger.warn({ alert: a.kind, ...a }, 'alert opened');
    for (const a of report.resolved) this.logger.info({ alert: a.kind, ...a }, 'alert resolved');
    return report;
  }

  private async lowBattery(tx: EntityManager, now: Date): Promise<EvaluationReport> {
    const settings = { percent: this.config.alerts.lowBatteryPercent, mv: this.config.alerts.lowBatteryMv };
    const unresolved = await this.alerts.unresolved('low_battery', 'tag', { tx });
    const alertedIds = unresolved.map((a) => a.subjectId);
    const tags = await batteryCandidates(tx, settings, alertedIds);
    const decisions = evaluateLowBattery(tags, alertedIds, settings);
    const of = <A extends LowBatteryDecision['action']>(action: A) =>
      decisions.filter((d): d is Extract<LowBatteryDecision, { action: A }> => d.action === action);
    const opening = of('open');
    const raised = await this.alerts.raiseMany(
      'low_battery',
      opening.map(({ tag, label, details }) => ({
        subject: { type: 'tag', id: tag.tagId, label },
        fields: { severity: 'warning', siteId: tag.siteId ?? null, careUnit: tag.careUnit ?? null, details },
      })),
      { tx, at: now },
    );
    const labels = new Map(opening.map((d) => [d.tag.tagId, d.label]));
    const resolving = of('resolve');
    const resolved: EvaluationReport['resolved'] = [];
    const byReason = new Map<string, string[]>();
    for (const d of resolving) byReason.set(d.reason, [...(byReason.get(d.reason) ?? []), d.tagId]);
    for (const [reason, ids] of byReason) {
      for (const r of await this.alerts.resolveMany('low_battery', 'tag', ids, reason, { tx, at: now })) {
        resolved.push({ alertId: r.id, subjectLabel: r.subjectLabel, reason });
      }
    }
    return {
      skipped: false,
      opened: raised
        .filter((r) => r.opened)
        .map((r) => ({ alertId: r.id, subjectLabel: labels.get(r.subjectId) ?? r.subjectId })),
      resolved,
    };
  }

  private async deviceOffline(tx: EntityManager, now: Date): Promise<EvaluationReport> {
    const devices = await monitoredDevices(tx);
    const unresolved = await this.alerts.unresolved('device_offline', 'device', { tx });
    const decisions = evaluateDeviceOffline(
      devices,
      unresolved.map((a) => ({ deviceId: a.subjectId, details: a.details })),
      now,
      {
        offlineAfterMs: this.config.alerts.deviceOfflineAfterSeconds * 1000,
        onlineResolveMs: this.config.alerts.deviceOnlineResolveSeconds * 1000,
      },
    );
    const of = <A extends DeviceOfflineDecision['action']>(action: A) =>
      decisions.filter((d): d is Extract<DeviceOfflineDecision, { action: A }> => d.action === action);

    const raised = await this.alerts.raiseMany(
      'device_offline',
      of('open').map(({ device, details }) => ({
        subject: { type: 'device', id: device.id, label: device.code },
        fields: { severity: 'warning', siteId: device.siteId, careUnit: device.careUnit ?? null, details },
      })),
      { tx, at: now },
    );
    const patches: DetailsPatch[] = [
      ...of('mark_back').map((d) => ({ subjectId: d.deviceId, merge: { backSince: d.backSince.toISOString() } })),
      ...of('clear_back').map((d) => ({ subjectId: d.deviceId, remove: ['backSince'] })),
    ];
    await this.alerts.patchDetails('device_offline', 'device', patches, { tx, at: now });
    const resolved: EvaluationReport['resolved'] = [];
    const byReason = new Map<string, string[]>();
    for (const d of of('resolve')) byReason.set(d.reason, [...(byReason.get(d.reason) ?? []), d.deviceId]);
    for (const [reason, ids] of byReason) {
      for (const r of await this.alerts.resolveMany('device_offline', 'device', ids, reason, { tx, at: now })) {
        resolved.push({ alertId: r.id, subjectLabel: r.subjectLabel, reason });
      }
    }
    const codes = new Map(devices.map((d) => [d.id, d.code]));
    return {
      skipped: false,
      opened: raised
        .filter((r) => r.opened)
        .map((r) => ({ alertId: r.id, subjectLabel: codes.get(r.subjectId) ?? r.subjectId })),
      resolved,
    };
  }
}

/**
 * Every device with the site it belongs to (its own floor's, else its antennas' zones') and the
 * care unit its antennas cover when they all cover one.
 */
async function monitoredDevices(tx: EntityManager): Promise<MonitoredDevice[]> {
  const rows = await tx.query<
    {
      id: string;
      code: string;
      name: string;
      site_id: string | null;
      care_unit: string | null;
      last_seen_at: Date | null;
      created_at: Date;
      revoked_at: Date | null;
    }[]
  >(
    `SELECT d.id, d.code, d.name, d.last_seen_at, d.created_at, d.revoked_at,
            COALESCE(own.site_id, cover.site_id) AS site_id, cover.care_unit
     FROM device d
     LEFT JOIN floor f ON f.id = d.floor_id
     LEFT JOIN building own ON own.id = f.building_id
     LEFT JOIN LATERAL (
       SELECT min(b.site_id::text)::uuid AS site_id,
              CASE WHEN count(DISTINCT z.care_unit) = 1 THEN min(z.care_unit) END AS care_unit
       FROM antenna a
       JOIN zone z ON z.id = a.zone_id
       JOIN floor zf ON zf.id = z.floor_id
       JOIN building b ON b.id = zf.building_id
       WHERE a.device_id = d.id) cover ON true`,
  );
  return rows.map((r) => ({
    id: r.id,
    code: r.code,
    name: r.name,
    siteId: r.site_id,
    careUnit: r.care_unit,
    lastSeenAt: r.last_seen_at,
    createdAt: r.created_at,
    revokedAt: r.revoked_at,
  }));
}

/**
 * Tags whose battery is low or within the hysteresis of low, plus every tag with an unresolved
 * alert, with the asset each is attached to and the site and care unit it was last located in.
 */
async function batteryCandidates(
  tx: EntityManager,
  settings: { percent: number; mv: number },
  alertedIds: string[],
): Promise<TagBattery[]> {
  const rows = await tx.query<
    {
      tag_id: string;
      battery_mv: number | null;
      battery_percent: number | null;
      asset_name: string | null;
      site_id: string | null;
      care_unit: string | null;
    }[]
  >(
    `SELECT t.tag_id, t.battery_mv, t.battery_percent, a.name AS asset_name, b.site_id, z.care_unit
     FROM tag_telemetry t
     LEFT JOIN asset a ON a.tag_id = t.tag_id
     LEFT JOIN tag_location l ON l.tag_id = t.tag_id
     LEFT JOIN zone z ON z.id = l.zone_id
     LEFT JOIN floor f ON f.id = l.floor_id
     LEFT JOIN building b ON b.id = f.building_id
     WHERE t.battery_percent < $1 OR t.battery_mv < $2 OR t.tag_id = ANY($3::text[])`,
    [settings.percent + PERCENT_HYSTERESIS, settings.mv + MV_HYSTERESIS, alertedIds],
  );
  return rows.map((r) => ({
    tagId: r.tag_id,
    batteryMv: r.battery_mv,
    batteryPercent: r.battery_percent,
    assetName: r.asset_name,
    siteId: r.site_id,
    careUnit: r.care_unit,
  }));
}
