import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { Logger } from 'pino';
import { LOGGER } from '@backend/config/config.module';
import { MetricsService } from '@backend/metrics/metrics.service';
import { BATCH_CONSUMER, type BatchConsumer } from '@backend/queue/queue.contract';
import { BatchProcessorService, TOPOLOGY_REFRESH_MS } from './batch-processor.service';

/** How often time-driven location changes (confirmed moves, lost tags) are evaluated. */
export const LOCATION_TICK_MS = 1_000;

/**
 * Runs in the worker role: consumes the partitions this process owns, hands each batch to the
 * location engine host, and lets time pass for the engines once a second.
 */
@Injectable()
export class WorkerService implements OnApplicationBootstrap, OnApplicationShutdown {
  private tickTimer?: NodeJS.Timeout;
  private topologyTimer?: NodeJS.Timeout;
  private ticking = false;

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
    }, this.processor);
    this.tickTimer = setInterval(() => {
      if (this.ticking) return;
      this.ticking = true;
      void this.processor.tick().finally(() => (this.ticking = false));
    }, LOCATION_TICK_MS);
    this.topologyTimer = setInterval(() => {
      this.processor
        .refreshTopology()
        .catch((err: Error) => this.logger.warn({ err: err.message }, 'location engine: facility reload failed'));
    }, TOPOLOGY_REFRESH_MS);
    this.logger.info('worker consuming observation batches');
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.tickTimer);
    clearInterval(this.topologyTimer);
    await this.consumer.stop();
  }
}
