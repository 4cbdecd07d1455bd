import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { Logger } from 'pino';
import { LOGGER } from '@backend/config/config.module';
import { MetricsService } from '@backend/metrics/metrics.service';
import { BATCH_CONSUMER, type BatchConsumer } from '@backend/queue/queue.contract';
import { BatchProcessorService } from './batch-processor.service';

/** Runs in the worker role: consumes queued batches and hands each to the batch processor. */
@Injectable()
export class WorkerService implements OnApplicationBootstrap, OnApplicationShutdown {
  constructor(
    @Inject(BATCH_CONSUMER) private readonly consumer: BatchConsumer,
    private readonly processor: BatchProcessorService,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly metrics: MetricsService,
  ) {}

  onApplicationBootstrap(): void {
    this.consumer.start(async (batch) => {
      const started = performance.now();
      try {
        await this.processor.process(batch);
      } catch (e) {
        this.metrics.batchFailed();
        throw e;
      }
      this.metrics.batchProcessed({ durationMs: performance.now() - started, reads: batch.observations.length });
    });
    this.logger.info('worker consuming observation batches');
  }

  async onApplicationShutdown(): Promise<void> {
    await this.consumer.stop();
  }
}
