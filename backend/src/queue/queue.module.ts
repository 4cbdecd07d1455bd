import { Global, Inject, Module, type OnApplicationShutdown } from '@nestjs/common';
import { getDataSourceToken } from '@nestjs/typeorm';
import type { Logger } from 'pino';
import type { DataSource } from 'typeorm';
import { APP_CONFIG, type AppConfig } from '@backend/config/app-config';
import { LOGGER } from '@backend/config/config.module';
import { BullMqBatchConsumer, BullMqBatchQueue } from './bullmq-queue';
import { DatabaseBatchConsumer, DatabaseBatchQueue } from './database-queue';
import { BATCH_CONSUMER, BATCH_QUEUE, type BatchConsumer, type BatchQueue } from './queue.contract';

/** Picks the queue implementation: BullMQ when REDIS_URL is set, otherwise the database-backed queue. */
@Global()
@Module({
  providers: [
    {
      provide: BATCH_QUEUE,
      inject: [APP_CONFIG, getDataSourceToken(), LOGGER],
      useFactory: (config: AppConfig, dataSource: DataSource, logger: Logger): BatchQueue => {
        if (config.redis.url)
          return new BullMqBatchQueue(config.redis.url, config.queue.prefix, config.queue.partitions);
        logger.warn('EMBEDDED QUEUE: no REDIS_URL; accepted batches are stored in PostgreSQL (table queued_batch)');
        return new DatabaseBatchQueue(dataSource);
      },
    },
    {
      provide: BATCH_CONSUMER,
      inject: [APP_CONFIG, getDataSourceToken(), LOGGER, BATCH_QUEUE],
      useFactory: (config: AppConfig, dataSource: DataSource, logger: Logger, queue: BatchQueue): BatchConsumer =>
        config.redis.url
          ? new BullMqBatchConsumer(config.redis.url, config.queue.prefix, config.queue.partitions, logger)
          : new DatabaseBatchConsumer(dataSource, queue as DatabaseBatchQueue, config.queue.partitions, logger),
    },
  ],
  exports: [BATCH_QUEUE, BATCH_CONSUMER],
})
export class QueueModule implements OnApplicationShutdown {
  constructor(@Inject(BATCH_QUEUE) private readonly queue: BatchQueue) {}

  async onApplicationShutdown(): Promise<void> {
    await this.queue.close();
  }
}
