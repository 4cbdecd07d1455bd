import { Module } from '@nestjs/common';
import { LocationModule } from './location.module';
import { WorkerService } from './worker.service';

/** Loaded only when ROLE is worker or all. */
@Module({ imports: [LocationModule], providers: [WorkerService] })
export class WorkerModule {}
