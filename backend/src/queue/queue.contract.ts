/**
 * The job contract between ingest (api) and the worker, the same for both queue
 * implementations: BullMQ on Redis, or the embedded queue stored in PostgreSQL.
 */

export const OBSERVATION_QUEUE = 'observations';
export const PROCESS_BATCH_JOB = 'process-batch';

/** One tag heard once, in the one internal shape every vendor format is normalised to at the edge. */
export interface TagObservation {
  tagId: string;
  tech: 'rfid' | 'ble';
  /** Reader antenna port (1-based); null for BLE gateways. */
  antenna: number | null;
  /** Received signal strength in dBm; null when the device does not report it. */
  rssi: number | null;
  /** When the device heard the tag, epoch milliseconds (UTC). */
  seenAt: number;
  /** What a BLE tag reported of itself (battery, temperature), when its frames carry it. */
  /**
   * What the tag reports about itself, and (BLE) whether its address is the public one or a random
   * one — a random private address changes over time, so such a tag is trackable only by its frame id.
   */
  telemetry?: { batteryMv?: number; batteryPercent?: number; temperatureC?: number; addressType?: 'public' | 'random' };
}

/** One accepted POST: one job. */
export interface ObservationBatch {
  /** Unique per device and batch; a batch enqueued twice is processed once. */
  batchId: string;
  deviceId: string;
  format: string;
  /** When ingest accepted the batch, epoch milliseconds. */
  receivedAt: number;
  observations: TagObservation[];
  /**
   * Epoch ms the device proved alive by a heartbeat or status event (for device health), when
   * the batch carried one; a heartbeat-only batch has no observations but still updates it.
   */
  deviceSeenAt?: number;
}

export type EnqueueResult = 'accepted' | 'duplicate';

/** Ingest side: resolves only once the batch is durable (in Redis, or in the database). */
export interface BatchQueue {
  readonly kind: 'bullmq' | 'embedded';
  enqueue(batch: ObservationBatch): Promise<EnqueueResult>;
  /** Batches waiting to be processed (for health and benchmarks). */
  backlog(): Promise<number>;
  isHealthy(): Promise<boolean>;
  close(): Promise<void>;
}

export type BatchHandler = (batch: ObservationBatch) => Promise<void>;

/** Worker side: calls the handler for each batch, at least once; handlers must be idempotent. */
export interface BatchConsumer {
  start(handler: BatchHandler): void;
  stop(): Promise<void>;
}

export const BATCH_QUEUE = Symbol('BATCH_QUEUE');
export const BATCH_CONSUMER = Symbol('BATCH_CONSUMER');

/** Retries before a batch is parked as failed (BullMQ) or retried at the slowest backoff (embedded). */
export const MAX_ATTEMPTS = 12;

/** Exponential backoff between attempts, capped at one minute. */
export function retryDelayMs(attempt: number): number {
  return Math.min(60_000, 500 * 2 ** Math.max(0, attempt - 1));
}
