import { Global, Module } from '@nestjs/common';
import { EventsService } from './events.service';

/** Domain events between the worker and api instances (Redis pub/sub, or in-process). */
@Global()
@Module({ providers: [EventsService], exports: [EventsService] })
export class EventsModule {}
