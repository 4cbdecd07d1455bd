import { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import type { DataSource } from 'typeorm';
import {
  type BatchConsumer,
  type BatchHandler,
  type BatchQueue,
  type EnqueueResult,
  type ObservationBatch,
  type PartitionHooks,
  retryDelayMs,
} from './queue.contract';

/**
 * The queue used without Redis (embedded evaluation setup, or a small site on PostgreSQL only):
 * a batch is INSERTed into `queued_batch` before ingest answers 202, so a crash loses nothing;
 * the consumer works through it in order and deletes each row once the handler committed.
 * In-process enqueues wake the consumer at once; other processes are picked up by polling.
 * It is meant for ONE worker process (it then owns every partition); scaling out needs Redis.
 */
export class DatabaseBatchQueue implements BatchQueue {
  readonly kind = 'embedded' as const;
  readonly wake = new EventEmitter();

  constructor(private readonly dataSource: DataSource) {}

  async enqueue(parts: readonly ObservationBatch[]): Promise<EnqueueResult> {
    if (parts.length === 0) return 'accepted';
    // All parts in one statement (one transaction): a crash stores all of them or none.
    const rows: unknown[] = await this.dataSource.query(
      `INSERT INTO queued_batch (batch_id, partition, payload)
       SELECT * FROM unnest($1::text[], $2::smallint[], $3::jsonb[])
       ON CONFLICT (batch_id) DO NOTHING RETURNING seq`,
      [parts.map((p) => p.batchId), parts.map((p) => p.partition), parts.map((p) => JSON.stringify(p))],
    );
    if (rows.length === 0) return 'duplicate';
    this.wake.emit('batch');
    return 'accepted';
  }

  async backlog(): Promise<number> {
    const [row] = await this.dataSource.query<{ n: number }[]>(`SELECT count(*)::int AS n FROM queued_batch`);
    return row.n;
  }

  async isHealthy(): Promise<boolean> {
    try {
      await this.dataSource.query('SELECT 1');
      return true;
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    this.wake.removeAllListeners();
    return Promise.resolve();
  }
}

const POLL_MS = 250;
const CLAIM = 50;

interface QueuedRow {
  seq: string;
  attempts: number;
  payload: ObservationBatch;
}

export class DatabaseBatchConsumer implements BatchConsumer {
  private running = false;
  private held: number[] = [];
  private loop?: Promise<void>;
  private timer?: NodeJS.Timeout;
  private nudge?: () => void;

  constructor(
    private readonly dataSource: DataSource,
    private readonly queue: DatabaseBatchQueue,
    private readonly partitions: number,
    private readonly logger: Logger,
  ) {}

  start(handler: BatchHandler, hooks: PartitionHooks): void {
    this.running = true;
    this.queue.wake.on('batch', this.onWake);
    const all = Array.from({ length: this.partitions }, (_, p) => p);
    this.loop = (async () => {
      // Nothing is consumed before the state of every partition is loaded.
      for (;;) {
        try {
          await hooks.acquired(all);
          break;
        } catch (err) {
          this.logger.error({ err: (err as Error).message }, 'embedded queue: cannot load partition state; retrying');
          await new Promise((r) => setTimeout(r, 2_000));
          if (!this.running) return;
        }
      }
      this.held = all;
      await this.run(handler);
      this.held = [];
      hooks.released(all);
    })();
  }

  owned(): number[] {
    return this.held;
  }

  private readonly onWake = (): void => this.nudge?.();

  private async run(handler: BatchHandler): Promise<void> {
    while (this.running) {
      let rows: QueuedRow[] = [];
      try {
        rows = await this.dataSource.query(
          `SELECT seq, attempts, payload FROM queued_batch WHERE available_at <= now() ORDER BY seq LIMIT $1`,
          [CLAIM],
        );
      } catch (err) {
        this.logger.error({ err: (err as Error).message }, 'embedded queue: cannot read backlog');
      }
      if (!this.running) return;
      // Handed over together, in queue order: the handler writes what arrives together in one
      // transaction (group commit); each row is deleted once its batch is committed.
      const done = (await Promise.all(rows.map((row) => this.processOne(row, handler)))).filter(
        (seq): seq is string => seq !== null,
      );
      if (done.length > 0) {
        await this.dataSource
          .query(`DELETE FROM queued_batch WHERE seq = ANY($1::bigint[])`, [done])
          .catch((err: Error) =>
            // Left in the queue: processed again later, which the ledger makes a no-op.
            this.logger.error({ err: err.message }, 'embedded queue: cannot remove processed batches'),
          );
      }
      if (rows.length < CLAIM) await this.idle();
    }
  }

  /** The row's seq once its batch is committed; null when it failed (it is kept and retried). */
  private async processOne(row: QueuedRow, handler: BatchHandler): Promise<string | null> {
    try {
      await handler(row.payload);
      return String(row.seq);
    } catch (err) {
      const attempt = row.attempts + 1;
      const message = (err as Error).message;
      this.logger.error({ batchId: row.payload.batchId, attempt, err: message }, 'batch failed; will retry');
      // Kept, never dropped: retried with backoff so one bad batch does not hold up the rest.
      await this.dataSource
        .query(
          `UPDATE queued_batch SET attempts = $2, last_error = $3,
             available_at = now() + make_interval(secs => $4) WHERE seq = $1`,
          [row.seq, attempt, message.slice(0, 1000), retryDelayMs(attempt) / 1000],
        )
        .catch((e: Error) => this.logger.error({ err: e.message }, 'embedded queue: cannot record failure'));
      return null;
    }
  }

  private idle(): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(this.timer);
        this.nudge = undefined;
        resolve();
      };
      this.nudge = done;
      this.timer = setTimeout(done, POLL_MS);
    });
  }

  async stop(): Promise<void> {
    this.running = false;
    this.queue.wake.off('batch', this.onWake);
    this.nudge?.();
    await this.loop;
  }
}
