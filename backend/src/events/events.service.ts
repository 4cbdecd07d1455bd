import { EventEmitter } from 'node:events';
import { Inject, Injectable, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import IORedis, { type Redis } from 'ioredis';
import type { Logger } from 'pino';
import { APP_CONFIG, type AppConfig } from '@backend/config/app-config';
import { LOGGER } from '@backend/config/config.module';
import { type DomainEvent, eventsChannel } from './events.contract';

export type EventListener = (event: DomainEvent) => void;

/**
 * Publishes domain events after the transaction that caused them committed, and delivers them
 * to listeners in this process. With REDIS_URL they go through Redis pub/sub, so every api
 * instance receives every worker's events (listeners here get them back from Redis too, once);
 * without Redis (embedded defaults: api and worker in one process) they are delivered in-process.
 */
@Injectable()
export class EventsService implements OnModuleInit, OnApplicationShutdown {
  private readonly local = new EventEmitter();
  private readonly channel: string;
  private publisher?: Redis;
  private subscriber?: Redis;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    this.channel = eventsChannel(config.queue.prefix);
    this.local.setMaxListeners(0);
  }

  onModuleInit(): void {
    // Connected up front: publishing never queues in memory while Redis is away (no offline queue).
    if (this.config.redis.url) {
      this.publisher = new IORedis(this.config.redis.url, { maxRetriesPerRequest: 1, enableOfflineQueue: false });
      this.publisher.on('error', (err: Error) => this.logger.debug({ err: err.message }, 'events: publisher'));
    }
  }

  /** Fire and forget: a lost event is not lost state (it is in the database); failures are logged. */
  publish(events: readonly DomainEvent[]): void {
    if (events.length === 0) return;
    if (!this.config.redis.url) {
      for (const e of events) this.deliver(e);
      return;
    }
    if (!this.publisher) return;
    const pipeline = this.publisher.pipeline();
    for (const e of events) pipeline.publish(this.channel, JSON.stringify(e));
    pipeline.exec().catch((err: Error) => this.logger.warn({ err: err.message }, 'events: publish failed'));
  }

  /** Receives every event from every worker; returns the unsubscribe function. */
  subscribe(listener: EventListener): () => void {
    this.local.on('event', listener);
    if (this.config.redis.url && !this.subscriber) {
      this.subscriber = new IORedis(this.config.redis.url, { maxRetriesPerRequest: null });
      this.subscriber.on('error', (err: Error) => this.logger.debug({ err: err.message }, 'events: subscriber'));
      this.subscriber.on('message', (_channel: string, message: string) => {
        try {
          this.deliver(JSON.parse(message) as DomainEvent);
        } catch (err) {
          this.logger.warn({ err: (err as Error).message }, 'events: unreadable message');
        }
      });
      this.subscriber
        .subscribe(this.channel)
        .catch((err: Error) => this.logger.error({ err: err.message }, 'events: cannot subscribe'));
    }
    return () => this.local.off('event', listener);
  }

  private deliver(event: DomainEvent): void {
    for (const listener of this.local.listeners('event') as EventListener[]) {
      try {
        listener(event);
      } catch (err) {
        this.logger.error({ err: (err as Error).message, type: event.type }, 'events: listener failed');
      }
    }
  }

  onApplicationShutdown(): void {
    this.publisher?.disconnect();
    this.subscriber?.disconnect();
    this.local.removeAllListeners();
  }
}
