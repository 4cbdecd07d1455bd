import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import type { ObservationBatch, TagObservation } from '@backend/queue/queue.contract';
import { LocationRepository, type TagTelemetry } from './location.repository';
import type { AntennaCoverage } from './zone-resolver';
import { resolveZoneFixes } from './zone-resolver';

const COVERAGE_CACHE_MS = 30_000;

/**
 * The worker's handler for one batch: resolve zones, write only the changes, and record the
 * batch in the ledger, all in one transaction, so a replayed job changes nothing.
 */
@Injectable()
export class BatchProcessorService {
  private readonly logger = new Logger(BatchProcessorService.name);
  private readonly coverageCache = new Map<string, { coverage: Map<number, AntennaCoverage>; until: number }>();

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly locations: LocationRepository,
  ) {}

  async process(batch: ObservationBatch): Promise<{ replay: boolean; changes: number }> {
    const coverage = await this.coverageOf(batch.deviceId);
    const fixes = resolveZoneFixes(batch.observations, (port) => (port === null ? undefined : coverage.get(port)));
    // The device was alive at its newest read or heartbeat, whichever is later.
    const lastSeen = batch.observations.reduce<number | null>(
      (m, o) => (m === null || o.seenAt > m ? o.seenAt : m),
      batch.deviceSeenAt ?? null,
    );
    const result = await this.dataSource.transaction(async (tx) => {
      const fresh = await this.locations.claimBatch(tx, {
        batchId: batch.batchId,
        deviceId: batch.deviceId,
        readCount: batch.observations.length,
        receivedAt: batch.receivedAt,
      });
      if (!fresh) return { replay: true, changes: 0 };
      const changes = await this.locations.applyFixes(tx, batch.deviceId, fixes);
      const moved = changes.filter((c) => c.moved).length;
      await this.locations.upsertTelemetry(tx, newestTelemetry(batch.observations));
      await this.locations.finishBatch(tx, batch, moved, lastSeen);
      return { replay: false, changes: moved };
    });
    this.logger.debug(
      `batch ${batch.batchId}: ${batch.observations.length} reads, ${result.changes} zone changes${result.replay ? ' (replay, skipped)' : ''}`,
    );
    return result;
  }

  private async coverageOf(deviceId: string): Promise<Map<number, AntennaCoverage>> {
    const now = Date.now();
    const hit = this.coverageCache.get(deviceId);
    if (hit && hit.until > now) return hit.coverage;
    const coverage = await this.locations.coverageOf(deviceId);
    this.coverageCache.set(deviceId, { coverage, until: now + COVERAGE_CACHE_MS });
    return coverage;
  }
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
