import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Logger } from 'pino';
import type { DataSource } from 'typeorm';
import { APP_CONFIG, type AppConfig } from '@backend/config/app-config';
import { LOGGER } from '@backend/config/config.module';
import { runRetention } from './retention';

/** The first purge waits until start-up is over; then one a day. */
export const RETENTION_FIRST_RUN_MS = 10 * 60_000;
export const RETENTION_INTERVAL_MS = 24 * 3600_000;

/** Worker role: purges history older than the configured retention once a day (one worker at a time). */
@Injectable()
export class RetentionScheduler implements OnApplicationBootstrap, OnApplicationShutdown {
  private timer?: NodeJS.Timeout;
  private running?: Promise<unknown>;
  private stopped = false;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  onApplicationBootstrap(): void {
    this.schedule(RETENTION_FIRST_RUN_MS);
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = runRetention(this.dataSource, this.config.retention, this.logger, {
        poolSize: this.config.database.poolSize,
      })
        .catch((err: Error) => this.logger.error({ err: err.message }, 'retention: purge failed; retried tomorrow'))
        .finally(() => this.schedule(RETENTION_INTERVAL_MS));
    }, delayMs);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }
}
