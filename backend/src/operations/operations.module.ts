import { Module } from '@nestjs/common';
import { RetentionScheduler } from './retention.scheduler';

/** Worker-role housekeeping: the daily retention purge. */
@Module({ providers: [RetentionScheduler] })
export class OperationsModule {}
