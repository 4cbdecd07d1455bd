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
  /** BLE: the beacon's calibrated power at 1 m (iBeacon measured power), dBm, when its frame carries it. */
  txPower?: number;
}

/**
 * One accepted POST, split by tag hash into at most `partitions` jobs (one per non-empty
 * partition): every read of a tag lands in the same partition, and one worker at a time
 * processes a partition, in order, so per-tag ordering holds with several workers.
 */
export interface ObservationBatch {
  /**
   * Unique per job: the accepted batch's id plus `:p<partition>`; a job enqueued twice is
   * processed once (the worker's ledger is keyed by it).
   */
  batchId: string;
  /** 0 .. partitions-1 (see partitionOf). */
  partition: number;
  deviceId: string;
  format: string;
  /** When ingest accepted the batch, epoch milliseconds. */
  receivedAt: number;
  observations: TagObservation[];
  /**
   * Epoch ms (device clock) the device proved alive: its newest read or heartbeat in the accepted
   * batch, carried by the batch's first part only (device health is written once per batch); a
   * heartbeat-only batch has no observations but still updates it.
   */
  deviceSeenAt?: number;
  /**
   * Epoch ms (device clock) up to which the device delivered what it heard with this POST: its
   * newest read or heartbeat, on every part. The worker's location engines learn from it how far
   * every device has delivered and how often it posts (LocationEngine.delivered).
   */
  deviceUpTo?: number;
}

export type EnqueueResult = 'accepted' | 'duplicate';

/** Ingest side: resolves only once every part is durable (in Redis, or in the database). */
export interface BatchQueue {
  readonly kind: 'bullmq' | 'embedded';
  /**
   * Enqueues the parts of one accepted batch (from splitIntoPartitions). 'duplicate' when the
   * batch was enqueued before; parts missing from an earlier, interrupted attempt are added anyway.
   */
  enqueue(parts: readonly ObservationBatch[]): Promise<EnqueueResult>;
  /** Batches waiting to be processed (for health and benchmarks). */
  backlog(): Promise<number>;
  isHealthy(): Promise<boolean>;
  close(): Promise<void>;
}

export type BatchHandler = (batch: ObservationBatch) => Promise<void>;

/** Told when this process starts or stops owning partitions, so it can load or drop their state. */
export interface PartitionHooks {
  /** Before the first batch of these partitions is delivered. */
  acquired(partitions: number[]): Promise<void>;
  /** After the last batch of these partitions was handled (another worker may take them now). */
  released(partitions: number[]): void;
}

/**
 * Worker side: calls the handler for each batch, at least once; handlers must be idempotent.
 * Batches of one partition are delivered in queue order (possibly several before the first one's
 * handler resolved), and only to the process that owns the partition.
 */
export interface BatchConsumer {
  start(handler: BatchHandler, hooks: PartitionHooks): void;
  /** Partitions this process owns right now. */
  owned(): number[];
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

/** FNV-1a 32-bit: a stable, fast hash of a tag id (the same on every process and release). */
export function partitionOf(tagId: string, partitions: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < tagId.length; i++) {
    h ^= tagId.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0) % partitions;
}

/** The job id of one partition of an accepted batch. */
export function partBatchId(batchId: string, partition: number): string {
  return `${batchId}:p${partition}`;
}

/**
 * Splits one accepted batch into one job per non-empty partition, keeping each tag's reads
 * together and in their original order. A batch without reads (a heartbeat) becomes one job in
 * partition 0 so device health still sees it. Every part carries how far the device has
 * delivered (`deviceUpTo`: its newest read or heartbeat time); the first part also carries it as
 * `deviceSeenAt`, for device health, once.
 */
export function splitIntoPartitions(
  batch: Omit<ObservationBatch, 'partition'>,
  partitions: number,
): ObservationBatch[] {
  const groups = new Map<number, TagObservation[]>();
  for (const o of batch.observations) {
    const p = partitionOf(o.tagId, partitions);
    const group = groups.get(p);
    if (group) group.push(o);
    else groups.set(p, [o]);
  }
  if (groups.size === 0) groups.set(0, []);
  // The device was alive at its newest read or heartbeat.
  let alive = batch.deviceSeenAt ?? null;
  for (const o of batch.observations) if (alive === null || o.seenAt > alive) alive = o.seenAt;
  const ordered = [...groups.keys()].sort((a, b) => a - b);
  return ordered.map((p, i) => ({
    batchId: partBatchId(batch.batchId, p),
    partition: p,
    deviceId: batch.deviceId,
    format: batch.format,
    receivedAt: batch.receivedAt,
    observations: groups.get(p)!,
    ...(alive !== null ? { deviceUpTo: alive } : {}),
    ...(i === 0 && alive !== null ? { deviceSeenAt: alive } : {}),
  }));
}

/**
 * A batch's reads as parallel arrays, the form they travel in through Redis: about half the JSON
 * of one object per read, and quicker to write (api) and read (worker). Offsets are from the
 * batch's receivedAt; telemetry and txPower, which few reads carry, are listed by read index.
 */
export interface PackedReads {
  tagId: string[];
  /** One character per read: 'r' RFID, 'b' BLE. */
  tech: string;
  antenna: (number | null)[];
  rssi: (number | null)[];
  /** seenAt − receivedAt, ms. */
  seenAt: number[];
  txPower?: [index: number, dbm: number][];
  telemetry?: [index: number, telemetry: NonNullable<TagObservation['telemetry']>][];
}

export type PackedBatch = Omit<ObservationBatch, 'observations'> & { reads: PackedReads };

export function packBatch(batch: ObservationBatch): PackedBatch {
  const { observations, ...rest } = batch;
  const n = observations.length;
  const tagId = new Array<string>(n);
  const antenna = new Array<number | null>(n);
  const rssi = new Array<number | null>(n);
  const seenAt = new Array<number>(n);
  let tech = '';
  let txPower: PackedReads['txPower'];
  let telemetry: PackedReads['telemetry'];
  for (let i = 0; i < n; i++) {
    const o = observations[i];
    tagId[i] = o.tagId;
    tech += o.tech === 'ble' ? 'b' : 'r';
    antenna[i] = o.antenna;
    rssi[i] = o.rssi;
    seenAt[i] = o.seenAt - batch.receivedAt;
    if (o.txPower !== undefined) (txPower ??= []).push([i, o.txPower]);
    if (o.telemetry !== undefined) (telemetry ??= []).push([i, o.telemetry]);
  }
  const reads: PackedReads = { tagId, tech, antenna, rssi, seenAt };
  if (txPower) reads.txPower = txPower;
  if (telemetry) reads.telemetry = telemetry;
  return { ...rest, reads };
}

/** The batch back from its packed form; a job queued in the plain form (by an older release) is taken as is. */
export function unpackBatch(data: PackedBatch | ObservationBatch): ObservationBatch {
  if (!('reads' in data)) return data;
  const { reads, ...rest } = data;
  const n = reads.tagId.length;
  const observations = new Array<TagObservation>(n);
  for (let i = 0; i < n; i++) {
    observations[i] = {
      tagId: reads.tagId[i],
      tech: reads.tech.charCodeAt(i) === 98 /* 'b' */ ? 'ble' : 'rfid',
      antenna: reads.antenna[i],
      rssi: reads.rssi[i],
      seenAt: data.receivedAt + reads.seenAt[i],
    };
  }
  for (const [i, dbm] of reads.txPower ?? []) observations[i].txPower = dbm;
  for (const [i, t] of reads.telemetry ?? []) observations[i].telemetry = t;
  return { ...rest, observations };
}
