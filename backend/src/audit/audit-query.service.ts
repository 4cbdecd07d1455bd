import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import { AuditLogEntry } from './audit-log.entity';

export interface AuditEntryDto {
  id: string;
  occurredAt: string;
  actor: { type: string; id: string | null; label: string };
  action: string;
  subjectType: string;
  subjectId: string;
  before: Record<string, unknown> | null;
  after: Record<string, unknown> | null;
  requestId: string | null;
}

export interface AuditFilter {
  subject?: string;
  actor?: string;
  from?: string;
  to?: string;
  limit?: number;
}

@Injectable()
export class AuditQueryService {
  constructor(@InjectRepository(AuditLogEntry) private readonly entries: Repository<AuditLogEntry>) {}

  async search(filter: AuditFilter): Promise<AuditEntryDto[]> {
    const qb = this.entries
      .createQueryBuilder('a')
      .orderBy('a.id', 'DESC')
      .limit(filter.limit ?? 200);
    if (filter.subject) {
      const [type, ...rest] = filter.subject.split(':');
      qb.andWhere('a.subject_type = :type', { type });
      if (rest.length > 0) qb.andWhere('a.subject_id = :id', { id: rest.join(':') });
    }
    if (filter.actor) qb.andWhere('(a.actor_id = :actor OR a.actor_label = :actor)', { actor: filter.actor });
    if (filter.from) qb.andWhere('a.occurred_at >= :from', { from: filter.from });
    if (filter.to) qb.andWhere('a.occurred_at < :to', { to: filter.to });
    return (await qb.getMany()).map(toAuditEntryDto);
  }
}

function toAuditEntryDto(e: AuditLogEntry): AuditEntryDto {
  return {
    id: String(e.id),
    occurredAt: e.occurredAt.toISOString(),
    actor: { type: e.actorType, id: e.actorId, label: e.actorLabel },
    action: e.action,
    subjectType: e.subjectType,
    subjectId: e.subjectId,
    before: e.before,
    after: e.after,
    requestId: e.requestId,
  };
}

const CSV_COLUMNS = [
  'id',
  'occurredAt',
  'actorType',
  'actorId',
  'actorLabel',
  'action',
  'subjectType',
  'subjectId',
  'before',
  'after',
  'requestId',
] as const;

/** RFC 4180 CSV. Cells starting with = + - @ are prefixed with ' so a spreadsheet never runs them as formulas. */
export function toCsv(entries: AuditEntryDto[]): string {
  const cell = (value: unknown): string => {
    let text = value === null || value === undefined ? '' : typeof value === 'string' ? value : JSON.stringify(value);
    if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
    return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
  };
  const rows = entries.map((e) =>
    [
      e.id,
      e.occurredAt,
      e.actor.type,
      e.actor.id,
      e.actor.label,
      e.action,
      e.subjectType,
      e.subjectId,
      e.before,
      e.after,
      e.requestId,
    ]
      .map(cell)
      .join(','),
  );
  return [CSV_COLUMNS.join(','), ...rows].join('\r\n') + '\r\n';
}
