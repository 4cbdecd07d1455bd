import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Logger } from 'pino';
import type { DataSource } from 'typeorm';
import { APP_CONFIG, type AppConfig } from '@backend/config/app-config';
import { LOGGER } from '@backend/config/config.module';
import type { DomainEvent, TagFixPayload } from '@backend/events/events.contract';
import { EventsService } from '@backend/events/events.service';
import { MetricsService } from '@backend/metrics/metrics.service';
import {
  type ObservationBatch,
  type PartitionHooks,
  partitionOf,
  type TagObservation,
} from '@backend/queue/queue.contract';
import { isSgtinSupplyUnit, LocationEngine } from './engine';
import type { EngineConfig, EngineObservation, EngineTopology, LocationEvent, TagFix } from './engine/engine.types';
import { LAST_SEEN_REFRESH_MS, LocationRepository, type TagTelemetry } from './location.repository';

/** The facility is re-read this often, so moved devices and edited zones reach the engine. */
export const TOPOLOGY_REFRESH_MS = 30_000;
/** A batch from a device the engine does not know yet (just registered) re-reads it, at most this often. */
const UNKNOWN_DEVICE_REFRESH_MS = 2_000;

interface PartitionState {
  engine: LocationEngine;
  /** Everything that touches this partition's engine and rows runs in this chain, one at a time. */
  chain: Promise<unknown>;
  /** Per tag, the last-seen time last written, to refresh it at most every LAST_SEEN_REFRESH_MS. */
  written: Map<string, number>;
  /** Set when a transaction failed after the engine moved on: rebuild from the database first. */
  stale: boolean;
  /** Batches delivered and not yet taken into a group, in delivery order. */
  pending: PendingBatch[];
  /** A group is queued on the chain and will take what is pending when it starts. */
  flushQueued: boolean;
}

interface PendingBatch {
  batch: ObservationBatch;
  resolve: (outcome: BatchOutcome) => void;
  reject: (err: unknown) => void;
}

/**
 * Bounds of one group: the batches of a partition that arrived while its previous group was being
 * written are processed together, in one transaction, up to this many batches or reads.
 */
export const MAX_GROUP_BATCHES = 200;
export const MAX_GROUP_READS = 30_000;

export interface BatchOutcome {
  replay: boolean;
  /** Location events the batch caused (moves, lost tags, doorway passages). */
  changes: number;
}

/**
 * The worker's location engine host. It holds one engine per owned partition (rebuilt from the
 * stored fixes when the partition is acquired), feeds each batch through it, and writes what
 * changed, the ledger row and the telemetry in ONE transaction, so a replayed job changes
 * nothing. Events are published after commit. Time-driven changes (pending moves confirmed,
 * tags becoming lost) come from tick(), serialised with the batches of the same partition.
 */
@Injectable()
export class BatchProcessorService implements PartitionHooks {
  private readonly partitions = new Map<number, PartitionState>();
  private topology?: { value: EngineTopology; key: string; devices: Set<string> };
  /** Devices not in the topology, and when the facility was last re-read on their account. */
  private readonly unknownDevices = new Map<string, number>();
  /** The facility read in progress on account of an unknown device, if any. */
  private refreshing: Promise<void> = Promise.resolve();
  private readonly engineConfig: Partial<EngineConfig>;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly locations: LocationRepository,
    private readonly events: EventsService,
    private readonly metrics: MetricsService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    this.engineConfig = { lostAfterMs: config.location.lostAfterMs, isSupplyUnit: isSgtinSupplyUnit };
  }

  /** Tags whose state this process holds (for metrics and benchmarks). */
  get trackedTags(): number {
    let n = 0;
    for (const s of this.partitions.values()) n += s.engine.tagCount;
    return n;
  }

  async acquired(partitions: number[]): Promise<void> {
    const topology = await this.loadTopology();
    const fixes = await this.locations.loadFixes();
    for (const p of partitions) {
      this.partitions.set(p, { ...this.buildState(topology.value, fixes, p), chain: Promise.resolve() });
    }
    this.logger.info({ partitions, tags: this.trackedTags }, 'location engine state loaded');
  }

  released(partitions: number[]): void {
    for (const p of partitions) {
      const state = this.partitions.get(p);
      this.partitions.delete(p);
      // Not processed here: their jobs are retried by the partition's next owner.
      for (const g of state?.pending.splice(0) ?? []) g.reject(new Error(`partition ${p} was released`));
    }
  }

  /**
   * Handles one delivered batch. Batches of a partition that arrive while its previous group is
   * being written wait and are then processed together (group commit): one engine pass per batch,
   * in delivery order, and one transaction for the whole group, so the database cost is paid per
   * group, not per batch, and grows sub-linearly with load.
   */
  process(batch: ObservationBatch): Promise<BatchOutcome> {
    const state = this.partitions.get(batch.partition);
    // Delivered only to the owner; if ownership just moved, fail so the job is retried there.
    if (!state) return Promise.reject(new Error(`partition ${batch.partition} is not owned by this worker`));
    return new Promise<BatchOutcome>((resolve, reject) => {
      state.pending.push({ batch, resolve, reject });
      this.scheduleGroup(state, batch.partition);
    });
  }

  private scheduleGroup(state: PartitionState, partition: number): void {
    if (state.flushQueued) return;
    state.flushQueued = true;
    this.serial(state, partition, async () => {
      state.flushQueued = false;
      const group = takeGroup(state.pending);
      if (state.pending.length > 0) this.scheduleGroup(state, partition);
      try {
        const outcomes = await this.processGroup(
          state,
          group.map((g) => g.batch),
        );
        group.forEach((g, i) => g.resolve(outcomes[i]));
      } catch (err) {
        for (const g of group) g.reject(err);
      }
    }).catch((err: unknown) => {
      // Rebuilding the state failed before the group was taken: what waits fails, and is retried.
      state.flushQueued = false;
      for (const g of state.pending.splice(0)) g.reject(err);
    });
  }

  /** Time passing: confirms pending moves and marks silent tags lost, in every owned partition. */
  async tick(now = Date.now()): Promise<number> {
    const results = await Promise.all(
      [...this.partitions].map(([p, state]) =>
        this.serial(state, p, async () => {
          const events = state.engine.tick(now);
          if (events.length === 0) return 0;
          try {
            await this.dataSource.transaction((tx) =>
              this.locations.persist(tx, events, [], (tagId) => state.engine.fixOf(tagId)),
            );
          } catch (err) {
            state.stale = true;
            throw err;
          }
          this.remember(state, events, []);
          this.emit(events, now);
          return events.length;
        }).catch((err: Error) => {
          this.logger.error({ partition: p, err: err.message }, 'location tick failed; state will be reloaded');
          return 0;
        }),
      ),
    );
    return results.reduce((a, b) => a + b, 0);
  }

  /** Re-reads the facility; engines get the new one when anything changed. */
  async refreshTopology(): Promise<void> {
    const before = this.topology?.key;
    const topology = await this.loadTopology();
    if (topology.key === before) return;
    for (const state of this.partitions.values()) state.engine.setTopology(topology.value);
    this.logger.info('location engine: facility changed, topology reloaded');
  }

  private async processGroup(state: PartitionState, batches: readonly ObservationBatch[]): Promise<BatchOutcome[]> {
    for (const deviceId of new Set(batches.filter((b) => b.observations.length > 0).map((b) => b.deviceId))) {
      if (!this.topology?.devices.has(deviceId)) await this.learnDevice(deviceId);
    }
    const now = Date.now();
    let engineMoved = false;
    let written: { fresh: ObservationBatch[]; events: LocationEvent[][]; refresh: TagFix[] };
    try {
      written = await this.dataSource.transaction(async (tx) => {
        // Jobs already in the ledger (a replay after a crash or a lost acknowledgement) are skipped
        // before the engine sees them, so a replay changes nothing.
        const done = await this.locations.processedBatches(
          tx,
          batches.map((b) => b.batchId),
        );
        // A job delivered twice into one group (re-queued while it waited here) counts once.
        const fresh: ObservationBatch[] = [];
        for (const b of batches) {
          if (done.has(b.batchId)) continue;
          done.add(b.batchId);
          fresh.push(b);
        }
        if (fresh.length === 0) return { fresh, events: [], refresh: [] };
        engineMoved = true;
        const events = fresh.map((b) => {
          // A POST reaches only the partitions of the tags it holds: every engine of this process
          // is told of it, so each knows how often every device posts (devices that post in
          // batches are waited for).
          if (b.deviceUpTo !== undefined)
            for (const other of this.partitions.values())
              other.engine.delivered(b.deviceId, b.deviceUpTo, b.receivedAt);
          return state.engine.ingest(
            b.observations.map((o) => toEngineObservation(o, b.deviceId)),
            now,
          );
        });
        const all = events.flat();
        const observations = fresh.length === 1 ? fresh[0].observations : fresh.flatMap((b) => b.observations);
        const refresh = this.dueForRefresh(state, observations, all);
        await this.locations.persist(tx, all, refresh, (tagId) => state.engine.fixOf(tagId));
        await this.locations.upsertTelemetry(tx, newestTelemetry(observations));
        await this.locations.devicesSeen(
          tx,
          fresh.flatMap((b) =>
            b.deviceSeenAt === undefined
              ? []
              : [{ deviceId: b.deviceId, deviceTime: b.deviceSeenAt, receivedAt: b.receivedAt }],
          ),
        );
        await this.locations.recordBatches(
          tx,
          fresh.map((b, i) => ({
            batchId: b.batchId,
            deviceId: b.deviceId,
            readCount: b.observations.length,
            receivedAt: b.receivedAt,
            changes: events[i].length,
          })),
        );
        return { fresh, events, refresh };
      });
    } catch (err) {
      // The engine already holds what the failed transaction did not write.
      if (engineMoved) state.stale = true;
      throw err;
    }
    const { fresh, events, refresh } = written;
    this.remember(state, events.flat(), refresh);
    fresh.forEach((b, i) => this.emit(events[i], b.receivedAt));
    if (fresh.length < batches.length) this.logger.debug(`${batches.length - fresh.length} replayed batch(es) skipped`);
    // fresh is an ordered subsequence of batches: each batch's outcome is the next fresh one's, or a replay.
    let next = 0;
    return batches.map((b) =>
      fresh[next] === b ? { replay: false, changes: events[next++].length } : { replay: true, changes: 0 },
    );
  }

  /** A device just registered (or one without antennas/position): re-read the facility, not too often. */
  private async learnDevice(deviceId: string): Promise<void> {
    const last = this.unknownDevices.get(deviceId);
    if (last !== undefined && Date.now() - last < UNKNOWN_DEVICE_REFRESH_MS) {
      // Another partition's job may be reading the facility for this device right now: wait for it.
      await this.refreshing;
      return;
    }
    if (this.unknownDevices.size > 10_000) this.unknownDevices.clear();
    this.unknownDevices.set(deviceId, Date.now());
    const refresh = this.refreshTopology();
    this.refreshing = refresh.catch(() => undefined);
    await refresh;
  }

  /** After commit: publish the events and count them by type. */
  private emit(events: readonly LocationEvent[], receivedAt: number): void {
    if (events.length === 0) return;
    this.events.publish(toDomainEvents(events, receivedAt));
    const byType = new Map<string, number>();
    for (const e of events) byType.set(e.type, (byType.get(e.type) ?? 0) + 1);
    for (const [type, n] of byType) this.metrics.locationEvents(type, n);
  }

  /** Present tags of this batch whose stored last-seen is older than LAST_SEEN_REFRESH_MS. */
  private dueForRefresh(
    state: PartitionState,
    observations: readonly TagObservation[],
    events: LocationEvent[],
  ): TagFix[] {
    const changed = new Set(events.map((e) => e.tagId));
    const due: TagFix[] = [];
    const seen = new Set<string>();
    for (const o of observations) {
      if (seen.has(o.tagId) || changed.has(o.tagId)) continue;
      seen.add(o.tagId);
      const fix = state.engine.fixOf(o.tagId);
      if (!fix || fix.state !== 'present') continue;
      if (fix.seenAt - (state.written.get(o.tagId) ?? -Infinity) >= LAST_SEEN_REFRESH_MS) due.push(fix);
    }
    return due;
  }

  private remember(state: PartitionState, events: readonly LocationEvent[], refresh: readonly TagFix[]): void {
    for (const f of refresh) state.written.set(f.tagId, f.seenAt);
    for (const e of events) if (e.type !== 'DoorwayCrossed') state.written.set(e.tagId, e.fix.seenAt);
  }

  /** Runs work after everything already queued for the partition; reloads stale state first. */
  private serial<T>(state: PartitionState, partition: number, work: () => Promise<T>): Promise<T> {
    const run = state.chain.then(async () => {
      if (state.stale) await this.reload(state, partition);
      return work();
    });
    state.chain = run.catch(() => undefined);
    return run;
  }

  private async reload(state: PartitionState, partition: number): Promise<void> {
    const topology = await this.loadTopology();
    const fresh = this.buildState(topology.value, await this.locations.loadFixes(), partition);
    state.engine = fresh.engine;
    state.written = fresh.written;
    state.stale = false;
    this.logger.warn({ partition }, 'location engine state reloaded from the database');
  }

  private buildState(topology: EngineTopology, fixes: readonly TagFix[], partition: number) {
    const n = this.config.queue.partitions;
    const mine = fixes.filter((f) => partitionOf(f.tagId, n) === partition);
    const engine = new LocationEngine(topology, this.engineConfig);
    engine.restore(mine);
    return {
      engine,
      written: new Map(mine.map((f) => [f.tagId, f.seenAt])),
      stale: false,
      pending: [] as PendingBatch[],
      flushQueued: false,
    };
  }

  private async loadTopology(): Promise<{ value: EngineTopology; key: string }> {
    const value = await this.locations.loadTopology();
    const key = JSON.stringify(value);
    const devices = new Set([...value.antennas.map((a) => a.deviceId), ...value.gateways.map((g) => g.deviceId)]);
    this.topology = { value, key, devices };
    return this.topology;
  }
}

function toEngineObservation(o: TagObservation, deviceId: string): EngineObservation {
  return {
    tagId: o.tagId,
    tech: o.tech,
    deviceId,
    antenna: o.antenna,
    rssi: o.rssi,
    seenAt: o.seenAt,
    ...(o.txPower === undefined ? {} : { txPower: o.txPower }),
  };
}

function payload(fix: TagFix): TagFixPayload {
  return {
    zoneId: fix.zoneId,
    floorId: fix.floorId,
    x: fix.x,
    y: fix.y,
    confidence: fix.confidence,
    seenAt: fix.seenAt,
    zoneSince: fix.zoneSince,
    state: fix.state,
    tech: fix.tech,
  };
}

/** The engine's events as published to api instances and rules. */
export function toDomainEvents(events: readonly LocationEvent[], batchReceivedAt: number): DomainEvent[] {
  const publishedAt = Date.now();
  return events.map((e): DomainEvent => {
    switch (e.type) {
      case 'LocationChanged':
        return {
          type: e.type,
          tagId: e.tagId,
          from: e.from && { zoneId: e.from.zoneId, floorId: e.from.floorId },
          fix: payload(e.fix),
          batchReceivedAt,
          publishedAt,
        };
      case 'TagLost':
        return { type: e.type, tagId: e.tagId, fix: payload(e.fix), batchReceivedAt, publishedAt };
      case 'DoorwayCrossed':
        return {
          type: e.type,
          tagId: e.tagId,
          zoneId: e.zoneId,
          direction: e.direction,
          at: e.at,
          batchReceivedAt,
          publishedAt,
        };
    }
  });
}

/** The next group: pending batches in delivery order, within MAX_GROUP_BATCHES and MAX_GROUP_READS (at least one). */
function takeGroup(pending: PendingBatch[]): PendingBatch[] {
  let n = 0;
  let reads = 0;
  while (n < pending.length && n < MAX_GROUP_BATCHES) {
    reads += pending[n].batch.observations.length;
    if (n > 0 && reads > MAX_GROUP_READS) break;
    n++;
  }
  return pending.splice(0, n);
}

/** Per tag, the newest value of each telemetry field in the batch; empty when no read carries any. */
export function newestTelemetry(observations: readonly TagObservation[]): TagTelemetry[] {
  const byTag = new Map<string, TagTelemetry & { at: { mv: number; pct: number; temp: number } }>();
  for (const o of observations) {
    const t = o.telemetry;
    if (!t) continue;
    let row = byTag.get(o.tagId);
    if (!row) {
      row = {
        tagId: o.tagId,
        batteryMv: null,
        batteryPercent: null,
        temperatureC: null,
        addressType: null,
        seenAt: o.seenAt,
        at: { mv: -Infinity, pct: -Infinity, temp: -Infinity },
      };
      byTag.set(o.tagId, row);
    }
    if (t.batteryMv !== undefined && o.seenAt >= row.at.mv) {
      row.batteryMv = t.batteryMv;
      row.at.mv = o.seenAt;
    }
    if (t.batteryPercent !== undefined && o.seenAt >= row.at.pct) {
      row.batteryPercent = t.batteryPercent;
      row.at.pct = o.seenAt;
    }
    if (t.temperatureC !== undefined && o.seenAt >= row.at.temp) {
      row.temperatureC = t.temperatureC;
      row.at.temp = o.seenAt;
    }
    if (t.addressType !== undefined) row.addressType = t.addressType;
    if (o.seenAt > row.seenAt) row.seenAt = o.seenAt;
  }
  return [...byTag.values()]
    .filter(
      (r) => r.batteryMv !== null || r.batteryPercent !== null || r.temperatureC !== null || r.addressType !== null,
    )
    .map(({ at: _at, ...row }) => row);
}
