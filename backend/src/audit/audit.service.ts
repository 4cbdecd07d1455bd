import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import type { Actor } from '@backend/auth/principal';
import { type AuditAction, AuditLogEntry } from './audit-log.entity';

type Snapshot = Record<string, unknown>;

/** Collects the audit entries of one transaction; they are written when the work succeeds. */
export class AuditTrail {
  readonly entries: Omit<AuditLogEntry, 'id' | 'occurredAt'>[] = [];

  constructor(private readonly actor: Actor) {}

  created(subjectType: string, subjectId: string, after: Snapshot): void {
    this.add('create', subjectType, subjectId, null, after);
  }

  updated(subjectType: string, subjectId: string, before: Snapshot, after: Snapshot): void {
    this.add('update', subjectType, subjectId, before, after);
  }

  deleted(subjectType: string, subjectId: string, before: Snapshot): void {
    this.add('delete', subjectType, subjectId, before, null);
  }

  private add(
    action: AuditAction,
    subjectType: string,
    subjectId: string,
    before: Snapshot | null,
    after: Snapshot | null,
  ) {
    this.entries.push({
      actorType: this.actor.type,
      actorId: this.actor.id,
      actorLabel: this.actor.label,
      requestId: this.actor.requestId,
      action,
      subjectType,
      subjectId,
      before: before && toJson(before),
      after: after && toJson(after),
    });
  }
}

/**
 * The one way Wardtrack changes administered data: run the change in a transaction and record
 * who changed what (before and after) in the append-only audit log in that same transaction,
 * so there is never a change without its entry nor an entry without its change.
 */
@Injectable()
export class AuditService {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async transaction<T>(actor: Actor, work: (tx: EntityManager, audit: AuditTrail) => Promise<T>): Promise<T> {
    return this.dataSource.transaction(async (tx) => {
      const trail = new AuditTrail(actor);
      const result = await work(tx, trail);
      await this.write(tx, trail);
      return result;
    });
  }

  /** Writes a trail inside a transaction the caller already holds. */
  async write(tx: EntityManager, trail: AuditTrail): Promise<void> {
    if (trail.entries.length === 0) return;
    // occurred_at defaults to now(): the transaction's time, the same for every entry of one change.
    await tx.getRepository(AuditLogEntry).insert(trail.entries as Partial<AuditLogEntry>[] as never);
  }
}

/** Dates become ISO strings and undefined fields disappear, so the stored snapshot is plain JSON. */
function toJson(snapshot: Snapshot): Snapshot {
  return JSON.parse(JSON.stringify(snapshot)) as Snapshot;
}
