import { ConflictException, Injectable, NotFoundException } from '@nestjs/common';
import { InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import type { AlertDto, AlertKind, AlertSeverity, AlertState } from '@wardtrack/contracts';
import { type DataSource, type EntityManager, type FindOptionsWhere, In, type Repository } from 'typeorm';
import { AuditService } from '@backend/audit/audit.service';
import type { Actor } from '@backend/auth/principal';
import { careUnitInScope, siteInScope, UNRESTRICTED, type UserScope } from '@backend/auth/scope';
import { Alert } from './alert.entity';
import { DEFAULT_ALERT_LIST_LIMIT, MAX_ALERT_LIST_LIMIT, toAlertDto } from './alerts.dto';

/** What an alert is about: a device, a stock location x item, an asset... */
export interface AlertSubject {
  type: string;
  id: string;
  /** How people know it (device code, asset name); refreshed on every raise. */
  label: string;
}

export interface AlertFields {
  severity: AlertSeverity;
  siteId?: string | null;
  careUnit?: string | null;
  details?: Record<string, unknown>;
}

export interface AlertFilter {
  state?: AlertState;
  kind?: AlertKind;
  siteId?: string;
  careUnit?: string;
  limit?: number;
}

export interface RaisedAlert {
  id: string;
  subjectId: string;
  /** True when this raise opened a new alert; false when it updated the unresolved one. */
  opened: boolean;
}

export interface ResolvedAlert {
  id: string;
  subjectId: string;
  subjectLabel: string;
}

/** A change to an alert's details: keys to merge in, keys to drop. */
export interface DetailsPatch {
  subjectId: string;
  merge?: Record<string, unknown>;
  remove?: string[];
}

/**
 * Where alerts live. The rules raise and resolve them with set-based SQL (one statement per
 * batch of subjects, idempotent thanks to the one-unresolved-alert-per-kind-and-subject index);
 * people list and acknowledge them, and acknowledging is audited.
 *
 * Methods that write take an optional transaction (`tx`) so a rule can decide and write under one lock,
 * and an optional `at` for the time to record (the rule's `now`), defaulting to the database clock.
 */
@Injectable()
export class AlertsService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @InjectRepository(Alert) private readonly alerts: Repository<Alert>,
    private readonly audit: AuditService,
  ) {}

  /** Opens an alert, or refreshes the unresolved one of the same kind and subject. */
  async raise(
    kind: AlertKind,
    subject: AlertSubject,
    fields: AlertFields,
    options: { tx?: EntityManager; at?: Date } = {},
  ): Promise<RaisedAlert> {
    const [raised] = await this.raiseMany(kind, [{ subject, fields }], options);
    return raised;
  }

  /** `raise` for many subjects of one kind in one statement. A subject listed twice counts once (the last wins). */
  async raiseMany(
    kind: AlertKind,
    items: readonly { subject: AlertSubject; fields: AlertFields }[],
    options: { tx?: EntityManager; at?: Date } = {},
  ): Promise<RaisedAlert[]> {
    if (items.length === 0) return [];
    const rows = new Map(
      items.map(({ subject, fields }) => [
        `${subject.type}\u0000${subject.id}`,
        {
          subject_type: subject.type,
          subject_id: subject.id,
          subject_label: subject.label,
          site_id: fields.siteId ?? null,
          care_unit: fields.careUnit ?? null,
          severity: fields.severity,
          details: fields.details ?? {},
        },
      ]),
    );
    // (xmax = 0) is true for a row this statement inserted, false for one it updated on conflict.
    const result = await this.db(options.tx).query<{ id: string; subject_id: string; opened: boolean }[]>(
      `INSERT INTO alert (kind, subject_type, subject_id, subject_label, site_id, care_unit, severity, details,
                          opened_at, updated_at)
       SELECT $1, r.subject_type, r.subject_id, r.subject_label, r.site_id, r.care_unit, r.severity, r.details,
              COALESCE($3::timestamptz, now()), COALESCE($3::timestamptz, now())
       FROM jsonb_to_recordset($2::jsonb) AS r(subject_type text, subject_id text, subject_label text, site_id uuid,
                                               care_unit text, severity text, details jsonb)
       ON CONFLICT (kind, subject_type, subject_id) WHERE state <> 'resolved' DO UPDATE SET
         details = EXCLUDED.details, subject_label = EXCLUDED.subject_label, site_id = EXCLUDED.site_id,
         care_unit = EXCLUDED.care_unit, severity = EXCLUDED.severity, updated_at = EXCLUDED.updated_at
       RETURNING id, subject_id, (xmax = 0) AS opened`,
      [kind, JSON.stringify([...rows.values()]), options.at ?? null],
    );
    return result.map((r) => ({ id: r.id, subjectId: r.subject_id, opened: r.opened }));
  }

  /** Resolves the unresolved alert of this kind and subject, if there is one; true if it did. */
  async resolve(
    kind: AlertKind,
    subject: { type: string; id: string },
    reason: string,
    options: { tx?: EntityManager; at?: Date } = {},
  ): Promise<boolean> {
    return (await this.resolveMany(kind, subject.type, [subject.id], reason, options)).length > 0;
  }

  /** `resolve` for many subjects of one kind and type in one statement; returns what it resolved. */
  async resolveMany(
    kind: AlertKind,
    subjectType: string,
    subjectIds: readonly string[],
    reason: string,
    options: { tx?: EntityManager; at?: Date } = {},
  ): Promise<ResolvedAlert[]> {
    if (subjectIds.length === 0) return [];
    // UPDATE ... RETURNING is wrapped in a CTE: TypeORM answers a bare UPDATE with [rows, count].
    const rows = await this.db(options.tx).query<{ id: string; subject_id: string; subject_label: string }[]>(
      `WITH resolved AS (
         UPDATE alert SET state = 'resolved', resolved_at = COALESCE($5::timestamptz, now()), resolved_reason = $4,
                          updated_at = COALESCE($5::timestamptz, now())
         WHERE kind = $1 AND subject_type = $2 AND subject_id = ANY($3::text[]) AND state <> 'resolved'
         RETURNING id, subject_id, subject_label)
       SELECT * FROM resolved`,
      [kind, subjectType, [...subjectIds], reason, options.at ?? null],
    );
    return rows.map((r) => ({ id: r.id, subjectId: r.subject_id, subjectLabel: r.subject_label }));
  }

  /** Merges keys into, and drops keys from, the details of unresolved alerts, in one statement. */
  async patchDetails(
    kind: AlertKind,
    subjectType: string,
    patches: readonly DetailsPatch[],
    options: { tx?: EntityManager; at?: Date } = {},
  ): Promise<number> {
    if (patches.length === 0) return 0;
    const rows = await this.db(options.tx).query<{ id: string }[]>(
      `WITH patched AS (
         UPDATE alert a SET details = (a.details - COALESCE(p.remove, '{}'::text[])) || COALESCE(p.merge, '{}'::jsonb),
                            updated_at = COALESCE($4::timestamptz, now())
         FROM jsonb_to_recordset($3::jsonb) AS p(subject_id text, merge jsonb, remove text[])
         WHERE a.kind = $1 AND a.subject_type = $2 AND a.subject_id = p.subject_id AND a.state <> 'resolved'
         RETURNING a.id)
       SELECT id FROM patched`,
      [
        kind,
        subjectType,
        JSON.stringify(patches.map((p) => ({ subject_id: p.subjectId, merge: p.merge ?? {}, remove: p.remove ?? [] }))),
        options.at ?? null,
      ],
    );
    return rows.length;
  }

  /** The unresolved (open or acknowledged) alerts of one kind and subject type. */
  async unresolved(kind: AlertKind, subjectType: string, options: { tx?: EntityManager } = {}): Promise<Alert[]> {
    return this.db(options.tx)
      .getRepository(Alert)
      .createQueryBuilder('a')
      .where('a.kind = :kind AND a.subject_type = :subjectType AND a.state <> :resolved', {
        kind,
        subjectType,
        resolved: 'resolved',
      })
      .getMany();
  }

  /** Newest first; only those within the caller's sites and care units when they are restricted. */
  async list(filter: AlertFilter = {}, scope: UserScope = UNRESTRICTED): Promise<AlertDto[]> {
    if (filter.siteId && !siteInScope(scope, filter.siteId)) return [];
    if (filter.careUnit && !careUnitInScope(scope, filter.careUnit)) return [];
    const where: FindOptionsWhere<Alert> = {};
    if (filter.state) where.state = filter.state;
    if (filter.kind) where.kind = filter.kind;
    if (filter.siteId) where.siteId = filter.siteId;
    else if (scope.siteIds.length > 0) where.siteId = In(scope.siteIds);
    if (filter.careUnit) where.careUnit = filter.careUnit;
    else if (scope.careUnits.length > 0) where.careUnit = In(scope.careUnits);
    const alerts = await this.alerts.find({
      where,
      order: { openedAt: 'DESC', id: 'DESC' },
      take: Math.min(filter.limit ?? DEFAULT_ALERT_LIST_LIMIT, MAX_ALERT_LIST_LIMIT),
    });
    return alerts.map(toAlertDto);
  }

  async get(id: string, scope: UserScope = UNRESTRICTED): Promise<AlertDto> {
    const alert = await this.alerts.findOneBy({ id });
    if (!alert || !alertInScope(alert, scope)) throw new NotFoundException(`Alert ${id} not found`);
    return toAlertDto(alert);
  }

  /**
   * Someone has seen the alert and is on it. Acknowledging twice changes nothing; a resolved
   * alert cannot be acknowledged (409): the condition is already gone.
   */
  async acknowledge(actor: Actor, id: string, scope: UserScope = UNRESTRICTED): Promise<AlertDto> {
    return this.audit.transaction(actor, async (tx, audit) => {
      const repository = tx.getRepository(Alert);
      const alert = await repository.findOne({ where: { id }, lock: { mode: 'pessimistic_write' } });
      if (!alert || !alertInScope(alert, scope)) throw new NotFoundException(`Alert ${id} not found`);
      switch (alert.state) {
        case 'resolved':
          throw new ConflictException(`Alert ${id} is already resolved and cannot be acknowledged`);
        case 'acknowledged':
          return toAlertDto(alert);
        case 'open':
          break;
      }
      const before = toAlertDto(alert);
      await tx.query(
        `UPDATE alert SET state = 'acknowledged', acknowledged_at = now(), acknowledged_by = $2,
                          acknowledged_by_label = $3, updated_at = now()
         WHERE id = $1`,
        [id, actor.type === 'user' ? actor.id : null, actor.label],
      );
      const after = toAlertDto(await repository.findOneByOrFail({ id }));
      audit.updated('alert', id, auditView(before), auditView(after));
      return after;
    });
  }

  private db(tx: EntityManager | undefined): EntityManager {
    return tx ?? this.dataSource.manager;
  }
}

/** An alert outside the caller's sites or care units is, to them, not there. */
function alertInScope(alert: Alert, scope: UserScope): boolean {
  return siteInScope(scope, alert.siteId) && careUnitInScope(scope, alert.careUnit);
}

/** What the audit log keeps of an acknowledgement: the state change, not the rule's working details. */
function auditView(alert: AlertDto): Record<string, unknown> {
  const { details: _details, updatedAt: _updatedAt, ...rest } = alert;
  return rest;
}
