import type { Logger } from 'pino';
import type { DataSource, QueryRunner } from 'typeorm';
import type { AppConfig } from '@backend/config/app-config';

type RetentionSettings = AppConfig['retention'];

/** One table whose old rows are purged: which setting, and which rows count as old. */
export interface RetentionTarget {
  table: string;
  /** The environment variable (and its setting) that says how many days to keep. */
  env: string;
  days: (settings: RetentionSettings) => number;
  /** The row's time column compared with the cutoff. */
  column: string;
  /** Rows that must never be purged by age stay out (an open stay, an unresolved alert). */
  only?: string;
}

/**
 * The tables retention trims. Adding one (stock movements, once that table exists) is one entry here
 * plus its setting in app-config. The audit log is not in this list: it has its own audited purge.
 */
export const RETENTION_TARGETS: readonly RetentionTarget[] = [
  {
    table: 'tag_stay',
    env: 'RETENTION_STAYS_DAYS',
    days: (s) => s.staysDays,
    column: 'left_at',
    only: 'left_at IS NOT NULL',
  },
  { table: 'tag_passage', env: 'RETENTION_STAYS_DAYS', days: (s) => s.staysDays, column: 'passed_at' },
  {
    table: 'alert',
    env: 'RETENTION_ALERTS_DAYS',
    days: (s) => s.alertsDays,
    column: 'resolved_at',
    only: `state = 'resolved'`,
  },
  { table: 'ingest_batch', env: 'RETENTION_LEDGER_DAYS', days: (s) => s.ledgerDays, column: 'processed_at' },
];

/** Rows deleted per statement: short transactions and locks, however much is due. */
export const RETENTION_CHUNK = 5_000;

// Any constant works as long as every Wardtrack process uses the same one ("rtn" + 1).
export const RETENTION_LOCK_KEY = 0x72746e01;

export interface RetentionOutcome {
  table: string;
  /** Days kept; 0 means kept forever (nothing deleted). */
  days: number;
  deleted: number;
}

export interface RetentionRun {
  /** False when another process held the retention lock: this run did nothing. */
  ran: boolean;
  outcomes: RetentionOutcome[];
}

/**
 * Deletes history older than each table's retention, in chunks of RETENTION_CHUNK rows, under a
 * PostgreSQL advisory lock so two workers never purge at once (the second one skips). The audit log
 * is trimmed only through the database's audit_log_purge(), which records each purge in the log itself.
 */
export async function runRetention(
  dataSource: DataSource,
  settings: RetentionSettings,
  logger: Logger,
  options: { poolSize: number; chunk?: number; now?: Date } = { poolSize: 2 },
): Promise<RetentionRun> {
  const chunk = options.chunk ?? RETENTION_CHUNK;
  // A pool of one connection (embedded PGlite, one process) has nobody to race with and no second
  // connection to hold a lock on while working: it purges through the pool directly, like migrate().
  const runner: QueryRunner | null = options.poolSize >= 2 ? dataSource.createQueryRunner() : null;
  const query = <T>(sql: string, params: unknown[] = []) =>
    runner ? (runner.query(sql, params) as Promise<T>) : dataSource.query<T>(sql, params);
  try {
    if (runner) {
      await runner.connect();
      const [{ locked }] = await query<{ locked: boolean }[]>('SELECT pg_try_advisory_lock($1) AS locked', [
        RETENTION_LOCK_KEY,
      ]);
      if (!locked) {
        logger.info('retention: another process is purging; skipped');
        return { ran: false, outcomes: [] };
      }
    }
    try {
      const outcomes: RetentionOutcome[] = [];
      for (const target of RETENTION_TARGETS) {
        outcomes.push(await purgeTable(query, target, target.days(settings), chunk, options.now));
      }
      outcomes.push(await purgeAudit(query, settings.auditDays, chunk));
      for (const o of outcomes.filter((x) => x.deleted > 0)) {
        logger.info({ table: o.table, days: o.days, deleted: o.deleted }, 'retention: purged old rows');
      }
      return { ran: true, outcomes };
    } finally {
      if (runner) await query('SELECT pg_advisory_unlock($1)', [RETENTION_LOCK_KEY]);
    }
  } finally {
    await runner?.release();
  }
}

type Query = <T>(sql: string, params?: unknown[]) => Promise<T>;

async function purgeTable(
  query: Query,
  target: RetentionTarget,
  days: number,
  chunk: number,
  now?: Date,
): Promise<RetentionOutcome> {
  const outcome = { table: target.table, days, deleted: 0 };
  if (days <= 0) return outcome;
  const [{ present }] = await query<{ present: boolean }[]>(`SELECT to_regclass($1) IS NOT NULL AS present`, [
    target.table,
  ]);
  if (!present) return outcome;
  const cutoff = new Date((now?.getTime() ?? Date.now()) - days * 86_400_000);
  const only = target.only ? `AND ${target.only}` : '';
  for (;;) {
    // The CTE's RETURNING is counted in SQL: TypeORM answers a bare DELETE with [rows, count].
    const [{ n }] = await query<{ n: number }[]>(
      `WITH gone AS (
         DELETE FROM ${target.table} WHERE ctid = ANY(ARRAY(
           SELECT ctid FROM ${target.table} WHERE ${target.column} < $1 ${only} LIMIT $2))
         RETURNING 1)
       SELECT count(*)::int AS n FROM gone`,
      [cutoff, chunk],
    );
    outcome.deleted += n;
    if (n < chunk) return outcome;
  }
}

async function purgeAudit(query: Query, days: number, chunk: number): Promise<RetentionOutcome> {
  const outcome = { table: 'audit_log', days, deleted: 0 };
  if (days <= 0) return outcome;
  for (;;) {
    const [{ n }] = await query<{ n: number }[]>(`SELECT audit_log_purge($1, $2, 'retention') AS n`, [days, chunk]);
    outcome.deleted += n;
    if (n < chunk) return outcome;
  }
}
