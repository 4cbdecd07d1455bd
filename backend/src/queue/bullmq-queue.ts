import { createHash } from 'node:crypto';
import { Queue, Worker, UnrecoverableError } from 'bullmq';
import IORedis, { type Redis } from 'ioredis';
import type { Logger } from 'pino';
import { PartitionLeases } from './partition-leases';
import {
  type BatchConsumer,
  type BatchHandler,
  type BatchQueue,
  type EnqueueResult,
  MAX_ATTEMPTS,
  type ObservationBatch,
  OBSERVATION_QUEUE,
  type PackedBatch,
  packBatch,
  unpackBatch,
  type PartitionHooks,
  PROCESS_BATCH_JOB,
  retryDelayMs,
} from './queue.contract';

/** Thrown by handlers for a batch that can never succeed (it is parked, not retried). */
export { UnrecoverableError };

function connect(url: string): Redis {
  // BullMQ workers need maxRetriesPerRequest null (blocking commands must not time out).
  return new IORedis(url, { maxRetriesPerRequest: null, enableReadyCheck: true, lazyConnect: false });
}

/** Longest ingest waits for one Redis command before it answers 503 (the reader keeps the batch and retries). */
export const REDIS_COMMAND_TIMEOUT_MS = 2_000;

/**
 * Ingest's connection gives up quickly while Redis is down, so ingest answers 503 instead of
 * holding requests until Redis returns: every command times out (a hung or SIGSTOPped server keeps
 * the socket open and never answers), and commands waiting for a connection fail at each failed
 * reconnect (maxRetriesPerRequest 0) rather than wait for Redis to come back. (At start-up they
 * wait, within the timeout, for the first connection.) A command that timed out may still run
 * later; the reader's re-send of that batch is then recognised as a duplicate.
 */
function connectProducer(url: string): Redis {
  return new IORedis(url, {
    maxRetriesPerRequest: 0,
    commandTimeout: REDIS_COMMAND_TIMEOUT_MS,
    enableAutoPipelining: true,
    enableReadyCheck: true,
    lazyConnect: false,
  });
}

/** One BullMQ queue per partition: FIFO per partition, consumed by the partition's owner only. */
export function partitionQueueName(partition: number): string {
  return `${OBSERVATION_QUEUE}-p${partition}`;
}

function jobIdOf(batchId: string): string {
  // BullMQ reserves ':' in custom job ids, hence the hash; the worker's ledger catches older repeats.
  return createHash('sha256').update(batchId).digest('base64url');
}

/** A worker renews its jobs' locks every half of this; a killed worker's jobs are retried after it. */
export const JOB_LOCK_MS = 6_000;
/** How often a partition's consumer looks for jobs whose lock lapsed (a killed worker's). */
export const JOB_STALLED_CHECK_MS = 3_000;

/** Production queue: BullMQ on Redis (AOF persistence, noeviction). One job per batch partition. */
export class BullMqBatchQueue implements BatchQueue {
  readonly kind = 'bullmq' as const;
  private readonly connection: Redis;
  private readonly queues: Queue<PackedBatch>[];

  constructor(url: string, prefix: string, partitions: number) {
    this.connection = connectProducer(url);
    this.queues = Array.from(
      { length: partitions },
      (_, p) =>
        new Queue<PackedBatch>(partitionQueueName(p), {
          connection: this.connection,
          prefix,
          defaultJobOptions: {
            attempts: MAX_ATTEMPTS,
            backoff: { type: 'exponential', delay: retryDelayMs(1) },
            removeOnComplete: { age: 3600, count: 10_000 },
            removeOnFail: { age: 7 * 24 * 3600 },
          },
        }),
    );
  }

  async enqueue(parts: readonly ObservationBatch[]): Promise<EnqueueResult> {
    if (parts.length === 0) return 'accepted';
    // A job id derives from its batch id: BullMQ ignores a second add of a job id it still holds,
    // so re-adding every part is safe and completes a batch an earlier attempt left half-queued.
    // The lookup is sent synchronously, before the adds (which await before sending), and Redis
    // runs one connection's commands in order, so it sees the state before this call. Auto-
    // pipelining sends what concurrent requests issue in the same tick in one write.
    const first = this.queues[parts[0].partition];
    const [seenBefore] = await Promise.all([
      this.connection.exists(first.toKey(jobIdOf(parts[0].batchId))),
      ...parts.map((part) =>
        this.queues[part.partition].add(PROCESS_BATCH_JOB, packBatch(part), { jobId: jobIdOf(part.batchId) }),
      ),
    ]);
    return seenBefore === 1 ? 'duplicate' : 'accepted';
  }

  async backlog(): Promise<number> {
    const counts = await Promise.all(
      this.queues.map((q) => q.getJobCounts('wait', 'active', 'delayed', 'prioritized')),
    );
    return counts.reduce((sum, c) => sum + Object.values(c).reduce((a, b) => a + b, 0), 0);
  }

  async isHealthy(): Promise<boolean> {
    try {
      return (await this.connection.ping()) === 'PONG';
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    await Promise.all(this.queues.map((q) => q.close()));
    this.connection.disconnect();
  }
}

/**
 * Jobs of one partition a worker holds at once. They are taken in queue order and handed to the
 * handler in that order; the handler serialises them per partition and writes those that arrived
 * together in one transaction (group commit), so per-tag order holds while the database cost is
 * paid per group. A worker killed mid-group leaves these jobs stalled: the partition's next owner
 * re-runs them and the ledger skips what was committed.
 */
export const JOBS_IN_FLIGHT_PER_PARTITION = 64;

/**
 * Longest a partition's queue worker is given to close (its jobs in hand finished) when the
 * partition is lost. BullMQ's close can wait for ever after Redis was unreachable (its blocking
 * connection never reports the end it waits for: taskforcesh/bullmq#4656); the partition must
 * not stay lost for it. A worker still closing takes no new jobs, and the jobs it still holds fail
 * their handler (the partition is released) and are retried by the next owner.
 */
export const WORKER_CLOSE_MS = 10_000;

/**
 * Consumes only the partitions this process holds a lease on, so a tag's batches are handled by
 * one process at a time and in order even with several worker processes.
 */
export class BullMqBatchConsumer implements BatchConsumer {
  private readonly workers = new Map<number, Worker<PackedBatch | ObservationBatch>>();
  private connection?: Redis;
  private leases?: PartitionLeases;

  constructor(
    private readonly url: string,
    private readonly prefix: string,
    private readonly partitions: number,
    private readonly logger: Logger,
  ) {}

  start(handler: BatchHandler, hooks: PartitionHooks): void {
    this.connection = connect(this.url);
    this.leases = new PartitionLeases(
      this.connection,
      this.prefix,
      this.partitions,
      {
        gained: async (partitions) => {
          await hooks.acquired(partitions);
          for (const p of partitions) this.workers.set(p, this.consume(p, handler));
        },
        lost: async (partitions) => {
          await Promise.all(partitions.flatMap((p) => this.closeWorker(p)));
          for (const p of partitions) this.workers.delete(p);
          hooks.released(partitions);
        },
      },
      this.logger,
    );
    this.leases.start();
  }

  owned(): number[] {
    return this.leases?.owned() ?? [];
  }

  /** Closes a partition's queue worker, waiting at most WORKER_CLOSE_MS for it. */
  private closeWorker(partition: number): Promise<void>[] {
    const worker = this.workers.get(partition);
    if (!worker) return [];
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<void>((resolve) => {
      timer = setTimeout(() => {
        this.logger.warn(
          { partition },
          `queue worker did not close within ${WORKER_CLOSE_MS} ms; carrying on without it`,
        );
        resolve();
      }, WORKER_CLOSE_MS);
    });
    const closed = worker.close().catch((err: Error) => {
      this.logger.warn({ partition, err: err.message }, 'queue worker close failed');
    });
    return [Promise.race([closed, late]).finally(() => clearTimeout(timer))];
  }

  private consume(partition: number, handler: BatchHandler): Worker<PackedBatch | ObservationBatch> {
    const worker = new Worker<PackedBatch | ObservationBatch>(
      partitionQueueName(partition),
      async (job) => {
        if (job.name !== PROCESS_BATCH_JOB) throw new UnrecoverableError(`unknown job ${job.name}`);
        await handler(unpackBatch(job.data));
      },
      // A job of a killed worker is handed on once its lock lapses (checked every JOB_STALLED_CHECK_MS).
      {
        connection: this.connection!,
        prefix: this.prefix,
        concurrency: JOBS_IN_FLIGHT_PER_PARTITION,
        lockDuration: JOB_LOCK_MS,
        stalledInterval: JOB_STALLED_CHECK_MS,
      },
    );
    worker.on('failed', (job, err) =>
      this.logger.error({ batchId: job?.data.batchId, attempt: job?.attemptsMade, err: err.message }, 'batch failed'),
    );
    worker.on('error', (err) => this.logger.error({ err: err.message, partition }, 'queue worker error'));
    return worker;
  }

  async stop(): Promise<void> {
    await this.leases?.stop();
    this.connection?.disconnect();
  }
}
