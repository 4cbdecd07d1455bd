import { createHash } from 'node:crypto';
import { Queue, Worker, UnrecoverableError } from 'bullmq';
import IORedis, { type Redis } from 'ioredis';
import type { Logger } from 'pino';
import {
  type BatchConsumer,
  type BatchHandler,
  type BatchQueue,
  type EnqueueResult,
  MAX_ATTEMPTS,
  type ObservationBatch,
  OBSERVATION_QUEUE,
  PROCESS_BATCH_JOB,
  retryDelayMs,
} from './queue.contract';

/** Thrown by handlers for a batch that can never succeed (it is parked, not retried). */
export { UnrecoverableError };

function connect(url: string): Redis {
  // BullMQ workers need maxRetriesPerRequest null (blocking commands must not time out).
  return new IORedis(url, { maxRetriesPerRequest: null, enableReadyCheck: true, lazyConnect: false });
}

/** Production queue: BullMQ on Redis (AOF persistence, noeviction). One job per batch. */
export class BullMqBatchQueue implements BatchQueue {
  readonly kind = 'bullmq' as const;
  private readonly connection: Redis;
  private readonly queue: Queue<ObservationBatch>;

  constructor(url: string, prefix: string) {
    this.connection = connect(url);
    this.queue = new Queue<ObservationBatch>(OBSERVATION_QUEUE, {
      connection: this.connection,
      prefix,
      defaultJobOptions: {
        attempts: MAX_ATTEMPTS,
        backoff: { type: 'exponential', delay: retryDelayMs(1) },
        removeOnComplete: { age: 3600, count: 10_000 },
        removeOnFail: { age: 7 * 24 * 3600 },
      },
    });
  }

  async enqueue(batch: ObservationBatch): Promise<EnqueueResult> {
    // The job id derives from the batch id: BullMQ ignores a second add of a job id it still holds.
    // (Hashed because BullMQ reserves ':' in custom job ids; the worker's ledger catches older repeats.)
    const jobId = createHash('sha256').update(batch.batchId).digest('base64url');
    const existing = await this.queue.getJob(jobId);
    if (existing) return 'duplicate';
    await this.queue.add(PROCESS_BATCH_JOB, batch, { jobId });
    return 'accepted';
  }

  async backlog(): Promise<number> {
    const counts = await this.queue.getJobCounts('wait', 'active', 'delayed', 'prioritized');
    return Object.values(counts).reduce((a, b) => a + b, 0);
  }

  async isHealthy(): Promise<boolean> {
    try {
      return (await this.connection.ping()) === 'PONG';
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    await this.queue.close();
    this.connection.disconnect();
  }
}

export class BullMqBatchConsumer implements BatchConsumer {
  private worker?: Worker<ObservationBatch>;
  private connection?: Redis;

  constructor(
    private readonly url: string,
    private readonly prefix: string,
    private readonly concurrency: number,
    private readonly logger: Logger,
  ) {}

  start(handler: BatchHandler): void {
    this.connection = connect(this.url);
    this.worker = new Worker<ObservationBatch>(
      OBSERVATION_QUEUE,
      async (job) => {
        if (job.name !== PROCESS_BATCH_JOB) throw new UnrecoverableError(`unknown job ${job.name}`);
        await handler(job.data);
      },
      { connection: this.connection, prefix: this.prefix, concurrency: this.concurrency },
    );
    this.worker.on('failed', (job, err) =>
      this.logger.error({ batchId: job?.data.batchId, attempt: job?.attemptsMade, err: err.message }, 'batch failed'),
    );
    this.worker.on('error', (err) => this.logger.error({ err: err.message }, 'queue worker error'));
  }

  async stop(): Promise<void> {
    await this.worker?.close();
    this.connection?.disconnect();
  }
}
