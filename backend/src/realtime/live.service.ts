import { Inject, Injectable, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import type { ServerResponse } from 'node:http';
import { Gauge } from 'prom-client';
import type { Logger } from 'pino';
import { APP_CONFIG, type AppConfig } from '@backend/config/app-config';
import { LOGGER } from '@backend/config/config.module';
import type { DomainEvent } from '@backend/events/events.contract';
import { EventsService } from '@backend/events/events.service';
import { MetricsService } from '@backend/metrics/metrics.service';

/** A comment line this often keeps proxies and load balancers from closing an idle stream. */
export const KEEPALIVE_MS = 15_000;

interface LiveClient {
  floorId: string;
  response: ServerResponse;
  /** Tags changed since the last write; flushed once per event-loop turn (bursts coalesce). */
  pending: Set<string>;
  scheduled: boolean;
}

/**
 * Live push to browsers as Server-Sent Events, one stream per floor: each LocationChanged or
 * TagLost that touches the floor (a tag arrived, moved within it, left it, or went silent) is
 * sent as `event: tags` with the tag ids, and the map then fetches the floor's tags at once. The
 * stream ends when the caller's access token would expire, so a signed-out or disabled user stops
 * receiving within one token lifetime; the browser reconnects with a fresh token.
 */
@Injectable()
export class LiveService implements OnModuleInit, OnApplicationShutdown {
  private readonly byFloor = new Map<string, Set<LiveClient>>();
  private readonly clients: Gauge;
  private unsubscribe?: () => void;
  private keepalive?: NodeJS.Timeout;

  constructor(
    private readonly events: EventsService,
    metrics: MetricsService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    this.clients = new Gauge({
      name: 'wardtrack_live_clients',
      help: 'Browsers connected to a live floor stream',
      registers: [metrics.registry],
    });
  }

  onModuleInit(): void {
    this.unsubscribe = this.events.subscribe((event) => this.dispatch(event));
    this.keepalive = setInterval(() => {
      for (const set of this.byFloor.values()) for (const c of set) c.response.write(': keepalive\n\n');
    }, KEEPALIVE_MS);
  }

  /** Number of open streams (for tests and metrics). */
  get clientCount(): number {
    let n = 0;
    for (const set of this.byFloor.values()) n += set.size;
    return n;
  }

  /** Takes over the raw response and keeps it open until the client goes or the token would expire. */
  open(floorId: string, response: ServerResponse, headers: Record<string, string>): void {
    response.writeHead(200, {
      ...headers,
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      'x-accel-buffering': 'no',
      'x-content-type-options': 'nosniff',
      connection: 'keep-alive',
    });
    // Ask the browser to come back quickly after a drop; tell it the stream is live.
    response.write(`retry: 1000\nevent: ready\ndata: {"floorId":"${floorId}"}\n\n`);
    const client: LiveClient = { floorId, response, pending: new Set(), scheduled: false };
    let set = this.byFloor.get(floorId);
    if (!set) this.byFloor.set(floorId, (set = new Set()));
    set.add(client);
    this.clients.inc();
    const expiry = setTimeout(() => response.end(), this.config.auth.tokenTtlSeconds * 1000);
    response.on('close', () => {
      clearTimeout(expiry);
      set.delete(client);
      if (set.size === 0) this.byFloor.delete(floorId);
      this.clients.dec();
    });
  }

  private dispatch(event: DomainEvent): void {
    if (event.type === 'DoorwayCrossed') return;
    const floors = new Set([event.fix.floorId]);
    if (event.type === 'LocationChanged' && event.from) floors.add(event.from.floorId);
    for (const floorId of floors) {
      for (const client of this.byFloor.get(floorId) ?? []) {
        client.pending.add(event.tagId);
        if (client.scheduled) continue;
        client.scheduled = true;
        setImmediate(() => this.flush(client));
      }
    }
  }

  private flush(client: LiveClient): void {
    client.scheduled = false;
    if (client.pending.size === 0) return;
    const tagIds = [...client.pending];
    client.pending.clear();
    try {
      client.response.write(`event: tags\ndata: ${JSON.stringify({ tagIds })}\n\n`);
    } catch (err) {
      this.logger.debug({ err: (err as Error).message }, 'live: write failed');
    }
  }

  onApplicationShutdown(): void {
    clearInterval(this.keepalive);
    this.unsubscribe?.();
    for (const set of this.byFloor.values()) for (const c of set) c.response.end();
    this.byFloor.clear();
  }
}
