import { Queue } from 'bullmq';
import IORedis from 'ioredis';
import type { DataSource } from 'typeorm';
import type { AppConfig } from '@backend/config/app-config';
import { partitionQueueName } from '@backend/queue/bullmq-queue';
import type { BatchQueue } from '@backend/queue/queue.contract';

/** How long the oldest batch still waiting for a worker has waited, in seconds (0 when none waits). */
export interface QueueAgeProbe {
  oldestWaitingSeconds(now?: number): Promise<number>;
  close(): Promise<void>;
}

/**
 * Reads the oldest waiting batch where the queue keeps it: the `queued_batch` table for the
 * embedded queue, the BullMQ lists in Redis otherwise (its own connection, read-only: it never
 * adds or takes jobs). A batch being retried after a failure counts from when it was first queued.
 */
export function queueAgeProbe(queue: BatchQueue, config: AppConfig, dataSource: DataSource): QueueAgeProbe {
  if (queue.kind === 'embedded' || !config.redis.url) {
    return {
      async oldestWaitingSeconds() {
        const [row] = await dataSource.query<{ age: number | null }[]>(
          `SELECT extract(epoch FROM now() - min(enqueued_at))::float8 AS age FROM queued_batch`,
        );
        return Math.max(0, row?.age ?? 0);
      },
      close: () => Promise.resolve(),
    };
  }
  // A scrape must not hang while Redis is down: one attempt per command, then the probe fails.
  const connection = new IORedis(config.redis.url, { maxRetriesPerRequest: 1 });
  // One queue per partition (see bullmq-queue.ts): the oldest job over all of them.
  const readers = Array.from(
    { length: config.queue.partitions },
    (_, p) => new Queue(partitionQueueName(p), { connection, prefix: config.queue.prefix }),
  );
  return {
    async oldestWaitingSeconds(now = Date.now()) {
      // The head of each list is its oldest job: waiting and running in arrival order, retries by due time.
      const heads = await Promise.all(
        readers.flatMap((reader) =>
          (['wait', 'prioritized', 'active', 'delayed'] as const).map((state) => reader.getJobs([state], 0, 0, true)),
        ),
      );
      const oldest = Math.min(...heads.flat().map((job) => job?.timestamp ?? now), now);
      return Math.max(0, (now - oldest) / 1000);
    },
    async close() {
      await Promise.all(readers.map((reader) => reader.close()));
      connection.disconnect();
    },
  };
}
