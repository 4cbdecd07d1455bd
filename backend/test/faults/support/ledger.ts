import IORedis from 'ioredis';
import type { Client } from 'pg';
import { sleep } from './processes';

export interface Reconciliation {
  acknowledgedBatches: number;
  acknowledgedReads: number;
  /** Reads the ledger holds for the acknowledged batches. */
  countedReads: number;
  /** Acknowledged batches with no ledger row at all (lost). */
  missing: string[];
  /** Acknowledged batches whose ledger rows hold another read count (part lost, or counted twice). */
  wrongCount: { batchId: string; acknowledged: number; counted: number }[];
  /**
   * Ledger rows of other batches: an earlier load's, or ones enqueued whose answer was a 503 or
   * never arrived (the reader re-sends those; its re-send is then a duplicate).
   */
  otherRows: number;
  /** Why polling stopped: everything accounted for, nothing left in the queue, or out of time. */
  settled?: 'complete' | 'queue empty' | 'timeout';
}

/**
 * Every acknowledged read accounted for: the worker's ledger (`ingest_batch`, written in the
 * transaction that applies a batch) is summed per acknowledged batch id, taking the row of
 * that id and the rows of its parts (`<batchId>:<part>`, when ingest splits a batch into
 * partition jobs) — i.e. `batch_id = id OR batch_id LIKE id || ':%'`.
 */
export async function reconcile(db: Client, acknowledged: ReadonlyMap<string, number>): Promise<Reconciliation> {
  const rows = (
    await db.query<{ batch_id: string; read_count: number }>(`SELECT batch_id, read_count FROM ingest_batch`)
  ).rows;
  const counted = new Map<string, number>();
  let otherRows = 0;
  for (const row of rows) {
    const root = acknowledgedRoot(row.batch_id, acknowledged);
    if (root === undefined) otherRows++;
    else counted.set(root, (counted.get(root) ?? 0) + row.read_count);
  }
  const result: Reconciliation = {
    acknowledgedBatches: acknowledged.size,
    acknowledgedReads: 0,
    countedReads: 0,
    missing: [],
    wrongCount: [],
    otherRows,
  };
  for (const [batchId, reads] of acknowledged) {
    result.acknowledgedReads += reads;
    const n = counted.get(batchId);
    if (n === undefined) {
      result.missing.push(batchId);
      continue;
    }
    result.countedReads += n;
    if (n !== reads) result.wrongCount.push({ batchId, acknowledged: reads, counted: n });
  }
  return result;
}

/** What an assertion shows of a reconciliation: the number of lost batches and the first few miscounted ones. */
export function summary(r: Reconciliation): { missing: number; wrongCount: Reconciliation['wrongCount'] } {
  return { missing: r.missing.length, wrongCount: r.wrongCount.slice(0, 5) };
}

/** A few acknowledged batches the ledger does not account for exactly (for a failure message). */
export function unaccounted(r: Reconciliation): string[] {
  return [...r.missing.slice(0, 3), ...r.wrongCount.slice(0, 3).map((w) => w.batchId)];
}

/** The acknowledged batch a ledger row belongs to: its own id, or the longest prefix that ends before a ':'. */
function acknowledgedRoot(batchId: string, acknowledged: ReadonlyMap<string, number>): string | undefined {
  if (acknowledged.has(batchId)) return batchId;
  for (let i = batchId.lastIndexOf(':'); i > 0; i = batchId.lastIndexOf(':', i - 1)) {
    const prefix = batchId.slice(0, i);
    if (acknowledged.has(prefix)) return prefix;
  }
  return undefined;
}

/**
 * Polls until every acknowledged batch is in the ledger with all its reads; returns the last reconciliation
 * (complete or not, so the caller asserts and shows what is missing). Gives up early when
 * `pending` (the queue) has held nothing for two seconds while batches are still missing.
 */
export async function untilReconciled(
  db: () => Client,
  acknowledged: ReadonlyMap<string, number>,
  timeoutMs: number,
  pending?: () => Promise<number>,
): Promise<Reconciliation> {
  const until = Date.now() + timeoutMs;
  let idleSince: number | undefined;
  for (;;) {
    const result = await reconcile(db(), acknowledged).catch(() => undefined);
    // Complete: no batch missing and none short of parts (a count above the acknowledged one never heals).
    if (result && result.missing.length === 0 && result.wrongCount.every((w) => w.counted > w.acknowledged)) {
      return { ...result, settled: 'complete' };
    }
    const queued = pending ? await pending().catch(() => undefined) : undefined;
    if (queued === 0) idleSince ??= Date.now();
    else idleSince = undefined;
    if (result && idleSince !== undefined && Date.now() - idleSince > 2_000)
      return { ...result, settled: 'queue empty' };
    if (Date.now() > until) return { ...(result ?? (await reconcile(db(), acknowledged))), settled: 'timeout' };
    await sleep(200);
  }
}

export interface StayCheck {
  /** False while the tag_stay table does not exist in this schema version (nothing to check). */
  exists: boolean;
  stays: number;
  /** Tags with more than one open stay (left_at IS NULL). */
  tagsWithTwoOpenStays: number;
  /** Pairs of stays of one tag whose time ranges overlap. */
  overlappingPairs: number;
  /** Stays written twice (same tag, zone and entry time). */
  duplicates: number;
  /** One overlapping pair, to show what went wrong. */
  overlapExample?: unknown;
}

/** The stay history is consistent: one open stay per tag at most, no overlaps, no stay written twice. */
export async function checkStays(db: Client): Promise<StayCheck> {
  const [{ exists }] = (await db.query<{ exists: boolean }>(`SELECT to_regclass('tag_stay') IS NOT NULL AS exists`))
    .rows;
  if (!exists) return { exists, stays: 0, tagsWithTwoOpenStays: 0, overlappingPairs: 0, duplicates: 0 };
  const [row] = (
    await db.query<Omit<StayCheck, 'exists'>>(`
      SELECT
        (SELECT count(*)::int FROM tag_stay) AS stays,
        (SELECT count(*)::int FROM (
           SELECT tag_id FROM tag_stay WHERE left_at IS NULL GROUP BY tag_id HAVING count(*) > 1) t
        ) AS "tagsWithTwoOpenStays",
        (SELECT count(*)::int FROM tag_stay a JOIN tag_stay b
           ON a.tag_id = b.tag_id AND a.id < b.id
          AND a.entered_at < coalesce(b.left_at, 'infinity')
          AND b.entered_at < coalesce(a.left_at, 'infinity')
        ) AS "overlappingPairs",
        (SELECT count(*)::int FROM (
           SELECT 1 FROM tag_stay GROUP BY tag_id, zone_id, entered_at HAVING count(*) > 1) d
        ) AS duplicates`)
  ).rows;
  const [overlapExample] =
    row.overlappingPairs > 0
      ? (
          await db.query(`
            SELECT a.tag_id, a.zone_id AS zone_a, a.entered_at AS entered_a, a.left_at AS left_a,
                   b.zone_id AS zone_b, b.entered_at AS entered_b, b.left_at AS left_b
            FROM tag_stay a JOIN tag_stay b
              ON a.tag_id = b.tag_id AND a.id < b.id
             AND a.entered_at < coalesce(b.left_at, 'infinity')
             AND b.entered_at < coalesce(a.left_at, 'infinity')
            LIMIT 1`)
        ).rows
      : [];
  return { exists, ...row, overlapExample };
}

/**
 * Jobs waiting, running or scheduled for a retry in every BullMQ queue under the prefix,
 * read straight from Redis (so it holds whatever queues the pipeline uses).
 */
export class QueueProbe {
  private readonly redis: IORedis;

  constructor(
    url: string,
    private readonly prefix: string,
  ) {
    // Fail fast while the test has Redis stopped; the probe is only read while it runs.
    this.redis = new IORedis(url, {
      maxRetriesPerRequest: 1,
      enableOfflineQueue: false,
      commandTimeout: 5_000,
      lazyConnect: true,
    });
    this.redis.on('error', () => undefined);
  }

  async connect(): Promise<void> {
    await this.redis.connect();
  }

  async depth(): Promise<{ waiting: number; active: number; delayed: number }> {
    const keys = await this.redis.keys(`${this.prefix}:*`);
    const of = (suffix: string) => keys.filter((k) => k.endsWith(`:${suffix}`));
    const pipeline = this.redis.pipeline();
    for (const k of [...of('wait'), ...of('paused')]) pipeline.llen(k);
    const waitingCount = of('wait').length + of('paused').length;
    for (const k of of('active')) pipeline.llen(k);
    const activeCount = of('active').length;
    for (const k of [...of('delayed'), ...of('prioritized')]) pipeline.zcard(k);
    const results = ((await pipeline.exec()) ?? []).map(([err, n]) => {
      if (err) throw err;
      return Number(n);
    });
    const sum = (from: number, to: number) => results.slice(from, to).reduce((a, b) => a + b, 0);
    return {
      waiting: sum(0, waitingCount),
      active: sum(waitingCount, waitingCount + activeCount),
      delayed: sum(waitingCount + activeCount, results.length),
    };
  }

  /** Jobs BullMQ gave up on (retries or stalls exhausted), with the reason: acknowledged reads that will never be applied. */
  async failed(): Promise<{ batchId: string; reason: string }[]> {
    const out: { batchId: string; reason: string }[] = [];
    for (const key of (await this.redis.keys(`${this.prefix}:*`)).filter((k) => k.endsWith(':failed'))) {
      const base = key.slice(0, -'failed'.length);
      for (const id of await this.redis.zrange(key, 0, 49)) {
        const [data, reason] = await this.redis.hmget(`${base}${id}`, 'data', 'failedReason');
        const batchId = data ? (JSON.parse(data) as { batchId?: string }).batchId : undefined;
        out.push({ batchId: batchId ?? id, reason: reason ?? '' });
      }
    }
    return out;
  }

  /** For a failure message: what BullMQ holds of the jobs of these batches (state, attempts, result). */
  async describe(batchIds: string[]): Promise<Record<string, unknown>[]> {
    const wanted = new Set(batchIds);
    const keys = await this.redis.keys(`${this.prefix}:*`);
    const out: Record<string, unknown>[] = [];
    for (const key of keys) {
      if ((await this.redis.type(key)) !== 'hash') continue;
      const job = await this.redis.hgetall(key);
      if (!job.data) continue;
      const batchId = (JSON.parse(job.data) as { batchId?: string }).batchId ?? '';
      const root = [...wanted].find((id) => batchId === id || batchId.startsWith(`${id}:`));
      if (!root) continue;
      const queue = key.slice(0, key.lastIndexOf(':'));
      const id = key.slice(key.lastIndexOf(':') + 1);

      const [completed, failed] = await Promise.all([
        this.redis.zscore(`${queue}:completed`, id),
        this.redis.zscore(`${queue}:failed`, id),
      ]);
      const state = completed !== null ? 'completed' : failed !== null ? 'failed' : 'queued or active';
      out.push({
        batchId,
        state,
        attempts: job.atm,
        stalled: job.stc,
        failedReason: job.failedReason,
        queuedAt: Number(job.timestamp),
        processedOn: Number(job.processedOn),
        finishedOn: Number(job.finishedOn),
      });
    }
    return out.sort((a, b) => String(a.batchId).localeCompare(String(b.batchId)));
  }

  async total(): Promise<number> {
    const d = await this.depth();
    return d.waiting + d.active + d.delayed;
  }

  close(): void {
    this.redis.disconnect();
  }
}
