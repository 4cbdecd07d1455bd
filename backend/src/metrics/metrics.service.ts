import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { ALERT_KINDS } from '@wardtrack/contracts';
import type { Logger } from 'pino';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { DataSource } from 'typeorm';
import { APP_CONFIG, type AppConfig } from '@backend/config/app-config';
import { LOGGER } from '@backend/config/config.module';
import { BATCH_QUEUE, type BatchQueue } from '@backend/queue/queue.contract';
import { type IngestRejectionReason, ingestRejectionReason } from './ingest-rejection';
import { type QueueAgeProbe, queueAgeProbe } from './queue-age';

/** The pg pool behind TypeORM's postgres driver (the counts pg keeps on every pool). */
interface PgPoolCounts {
  totalCount: number;
  idleCount: number;
  waitingCount: number;
}

/** What the worker reports after each batch it processed. */
export interface BatchProcessed {
  durationMs: number;
  /** Reads the batch carried. */
  reads: number;
}

/**
 * The process's Prometheus registry (prefix `wardtrack_`): counters the ingest path and the worker
 * bump as they go, and gauges read on each scrape (queue depth and age, database pool, open
 * alerts, offline devices). One registry per process; every process serves it (api and worker).
 */
@Injectable()
export class MetricsService implements OnApplicationShutdown {
  readonly registry = new Registry();
  private readonly queueAge: QueueAgeProbe;
  private readonly ingestReads: Counter<'format'>;
  private readonly ingestBatches: Counter<'format' | 'result'>;
  private readonly ingestRejected: Counter<'reason' | 'status'>;
  private readonly batchDuration: Histogram;
  private readonly readsProcessed: Counter;
  private readonly locationChanges: Counter<'type'>;
  private readonly workerErrors: Counter;

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    @InjectDataSource() dataSource: DataSource,
    @Inject(BATCH_QUEUE) queue: BatchQueue,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    const registers = [this.registry];
    this.registry.setDefaultLabels({ role: config.role });
    collectDefaultMetrics({ register: this.registry, prefix: 'wardtrack_' });
    this.queueAge = queueAgeProbe(queue, config, dataSource);

    this.ingestReads = new Counter({
      name: 'wardtrack_ingest_reads_total',
      help: 'Tag reads accepted by ingest (202), by vendor format',
      labelNames: ['format'],
      registers,
    });
    this.ingestBatches = new Counter({
      name: 'wardtrack_ingest_batches_total',
      help: 'Ingest posts answered 202, by format and whether the batch was new or a re-send',
      labelNames: ['format', 'result'],
      registers,
    });
    this.ingestRejected = new Counter({
      name: 'wardtrack_ingest_rejected_total',
      help: 'Ingest posts refused, by reason (validation, auth, too_large, rate_limited, unavailable, ...) and HTTP status',
      labelNames: ['reason', 'status'],
      registers,
    });
    this.batchDuration = new Histogram({
      name: 'wardtrack_batch_duration_seconds',
      help: 'Time the worker took to process one queued batch',
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
    this.readsProcessed = new Counter({
      name: 'wardtrack_batch_reads_processed_total',
      help: 'Reads in batches the worker finished processing',
      registers,
    });
    this.locationChanges = new Counter({
      name: 'wardtrack_location_changes_total',
      help: 'Location events the engine published after commit, by type (LocationChanged, TagLost, DoorwayCrossed)',
      labelNames: ['type'],
      registers,
    });
    this.workerErrors = new Counter({
      name: 'wardtrack_worker_errors_total',
      help: 'Batches whose processing failed (they are retried)',
      registers,
    });

    const probe =
      <T>(what: string, read: () => Promise<T>, use: (value: T) => void) =>
      async () => {
        // A failing probe leaves its gauge out of this scrape rather than failing the whole scrape.
        try {
          use(await read());
        } catch (e) {
          this.logger.warn({ err: (e as Error).message }, `metrics: cannot read ${what}`);
        }
      };
    new Gauge({
      name: 'wardtrack_queue_backlog_batches',
      help: 'Batches queued and not yet processed (waiting, running or waiting to retry)',
      registers,
      collect: async function (this: Gauge) {
        await probe(
          'queue backlog',
          () => queue.backlog(),
          (n) => this.set(n),
        )();
      },
    });
    const queueAge = this.queueAge;
    new Gauge({
      name: 'wardtrack_queue_oldest_batch_age_seconds',
      help: 'How long the oldest batch not yet processed has been in the queue (0 when the queue is empty)',
      registers,
      collect: async function (this: Gauge) {
        await probe(
          'queue age',
          () => queueAge.oldestWaitingSeconds(),
          (s) => this.set(s),
        )();
      },
    });
    const pool = () => (dataSource.driver as unknown as { master?: PgPoolCounts }).master;
    new Gauge({
      name: 'wardtrack_db_pool_connections',
      help: 'Database connections of this process by state (total, idle, waiting = queries waiting for a connection)',
      labelNames: ['state'],
      registers,
      collect(this: Gauge<'state'>) {
        const p = pool();
        if (!p) return;
        this.set({ state: 'total' }, p.totalCount);
        this.set({ state: 'idle' }, p.idleCount);
        this.set({ state: 'waiting' }, p.waitingCount);
      },
    });
    new Gauge({
      name: 'wardtrack_alerts_open',
      help: 'Alerts not yet resolved (open or acknowledged), by kind (site-wide: the same on every process)',
      labelNames: ['kind'],
      registers,
      collect: async function (this: Gauge<'kind'>) {
        await probe(
          'open alerts',
          () =>
            dataSource.query<{ kind: string; n: number }[]>(
              `SELECT kind, count(*)::int AS n FROM alert WHERE state <> 'resolved' GROUP BY kind`,
            ),
          (rows) => {
            const counts = new Map(rows.map((r) => [r.kind, r.n]));
            for (const kind of ALERT_KINDS) this.set({ kind }, counts.get(kind) ?? 0);
          },
        )();
      },
    });
    const offlineAfter = config.alerts.deviceOfflineAfterSeconds;
    new Gauge({
      name: 'wardtrack_devices_offline',
      help: 'Readers and gateways (not revoked) silent longer than DEVICE_OFFLINE_AFTER_SECONDS (site-wide)',
      registers,
      collect: async function (this: Gauge) {
        await probe(
          'offline devices',
          () =>
            dataSource.query<{ n: number }[]>(
              `SELECT count(*)::int AS n FROM device
                WHERE revoked_at IS NULL AND coalesce(last_seen_at, created_at) < now() - make_interval(secs => $1)`,
              [offlineAfter],
            ),
          ([row]) => this.set(row.n),
        )();
      },
    });
  }

  /** Ingest answered 202 for a batch of `reads` reads (`duplicate`: a re-send, not queued again). */
  ingestAccepted(format: string, reads: number, duplicate: boolean): void {
    this.ingestBatches.inc({ format, result: duplicate ? 'duplicate' : 'accepted' });
    if (!duplicate) this.ingestReads.inc({ format }, reads);
  }

  /** Ingest refused a post with this HTTP status. */
  ingestRefused(status: number): IngestRejectionReason {
    const reason = ingestRejectionReason(status);
    this.ingestRejected.inc({ reason, status: String(status) });
    return reason;
  }

  /** The worker finished a batch. */
  batchProcessed({ durationMs, reads }: BatchProcessed): void {
    this.batchDuration.observe(durationMs / 1000);
    this.readsProcessed.inc(reads);
  }

  /** The engine published `n` events of one type (LocationChanged, TagLost, DoorwayCrossed). */
  locationEvents(type: string, n = 1): void {
    if (n > 0) this.locationChanges.inc({ type }, n);
  }

  /** A batch failed in the worker (it will be retried). */
  batchFailed(): void {
    this.workerErrors.inc();
  }

  /** The text exposition Prometheus scrapes. */
  async exposition(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }

  async onApplicationShutdown(): Promise<void> {
    await this.queueAge.close();
  }
}
