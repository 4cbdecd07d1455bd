import { randomBytes } from 'node:crypto';
import { sleep } from './processes';
import type { Reader } from './site';

/** One POST as the reader saw it. */
export interface PostResult {
  /** When the answer (or the failure) came, epoch ms. */
  at: number;
  /** HTTP status, or 'error' (connection refused/reset) or 'timeout' (no answer within the reader's timeout). */
  status: number | 'error' | 'timeout';
  ms: number;
  retryAfter: string | null;
}

export interface LoadOptions {
  /** Distinct tags the readers hear. */
  tags: number;
  minReads: number;
  maxReads: number;
  /** Pause of each reader after an acknowledged batch. */
  pauseMs: number;
  /** Pause before re-sending a refused batch (a reader keeps what was not acknowledged). */
  retryMs: number;
  /** A reader gives up on a request after this long and re-sends it later. */
  timeoutMs: number;
}

const DEFAULTS: LoadOptions = {
  tags: 3000,
  minReads: 100,
  maxReads: 300,
  pauseMs: 1000,
  retryMs: 250,
  timeoutMs: 10_000,
};

interface PendingBatch {
  key: string;
  body: string;
  reads: number;
}

/**
 * Simulated RFID readers posting generic-format batches back to back, each with its own
 * Idempotency-Key: a refused or unanswered batch is re-sent with the same key until it is
 * acknowledged, as a reader with a buffer does. Records every 202 (batch id and read count).
 */
export class ReaderLoad {
  /** Acknowledged batch id -> reads acknowledged in it. */
  readonly acknowledged = new Map<string, number>();
  readonly posts: PostResult[] = [];
  private running = false;
  private loops: Promise<void>[] = [];
  private failure?: Error;
  private readonly options: LoadOptions;
  private readonly tagIds: string[];
  /** Keeps the batch ids of two loads on one installation apart (a re-used Idempotency-Key is a duplicate). */
  private readonly loadId = randomBytes(3).toString('hex');

  constructor(
    private readonly baseUrl: string,
    private readonly readers: Reader[],
    options: Partial<LoadOptions> = {},
  ) {
    this.options = { ...DEFAULTS, ...options };
    // SGTIN-96-shaped EPCs (24 hex digits), unique per tag.
    this.tagIds = Array.from(
      { length: this.options.tags },
      (_, i) => `30F4FA17${i.toString(16).toUpperCase().padStart(16, '0')}`,
    );
  }

  start(): void {
    this.running = true;
    this.loops = this.readers.map((reader, i) =>
      this.readerLoop(reader, i).catch((e: unknown) => {
        this.failure ??= e as Error;
        this.running = false;
      }),
    );
  }

  /** Stops the readers; throws if one of them saw an answer that breaks the ingest contract. */
  async stop(): Promise<void> {
    this.running = false;
    await Promise.all(this.loops);
    if (this.failure) throw this.failure;
  }

  readsAcknowledged(): number {
    let sum = 0;
    for (const reads of this.acknowledged.values()) sum += reads;
    return sum;
  }

  /** Resolves once `n` more batches were acknowledged (or rejects after `timeoutMs`). */
  async acknowledgedMore(n: number, timeoutMs = 60_000): Promise<void> {
    const target = this.acknowledged.size + n;
    const until = Date.now() + timeoutMs;
    while (this.acknowledged.size < target) {
      if (Date.now() > until) throw new Error(`fewer than ${n} batches acknowledged within ${timeoutMs} ms`);
      await sleep(20);
    }
  }

  /** Answers between two instants, by status. */
  statuses(from = 0, to = Number.POSITIVE_INFINITY): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const p of this.posts)
      if (p.at >= from && p.at <= to) counts[String(p.status)] = (counts[String(p.status)] ?? 0) + 1;
    return counts;
  }

  private async readerLoop(reader: Reader, index: number): Promise<void> {
    // Readers start a little apart so they do not post in lock-step.
    await sleep(index * 13);
    let seq = 0;
    let pending: PendingBatch | undefined;
    while (this.running) {
      pending ??= this.makeBatch(reader, seq++);
      const started = Date.now();
      let status: PostResult['status'];
      let retryAfter: string | null = null;
      try {
        const res = await fetch(`${this.baseUrl}/api/v1/ingest/generic`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-api-key': reader.apiKey, 'idempotency-key': pending.key },
          body: pending.body,
          signal: AbortSignal.timeout(this.options.timeoutMs),
        });
        status = res.status;
        retryAfter = res.headers.get('retry-after');
        const body = (await res.json()) as { batchId?: string; accepted?: number };
        if (status === 202) {
          if (body.accepted !== pending.reads || !body.batchId) {
            throw new Error(`202 for ${pending.reads} reads answered ${JSON.stringify(body)}`);
          }
          this.acknowledged.set(body.batchId, body.accepted);
        }
      } catch (e) {
        if ((e as Error).message.startsWith('202 for')) throw e;
        status = (e as Error).name === 'TimeoutError' ? 'timeout' : 'error';
      }
      this.posts.push({ at: Date.now(), status, ms: Date.now() - started, retryAfter });
      if (status === 202) {
        pending = undefined;
        await sleep(this.options.pauseMs);
      } else {
        await sleep(this.options.retryMs);
      }
    }
  }

  private makeBatch(reader: Reader, seq: number): PendingBatch {
    const { minReads, maxReads } = this.options;
    const count = minReads + Math.floor(Math.random() * (maxReads - minReads + 1));
    const now = Date.now();
    const reads = Array.from({ length: count }, () => ({
      tagId: this.tagIds[Math.floor(Math.random() * this.tagIds.length)],
      antenna: reader.ports[Math.floor(Math.random() * reader.ports.length)],
      rssi: -40 - Math.round(Math.random() * 400) / 10,
      seenAt: new Date(now - Math.floor(Math.random() * 500)).toISOString(),
    }));
    return { key: `${reader.code}-${this.loadId}-${seq}`, body: JSON.stringify({ reads }), reads: count };
  }
}
