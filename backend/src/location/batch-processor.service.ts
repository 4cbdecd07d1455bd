import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import type { ObservationBatch } from '@backend/queue/queue.contract';
import { LocationRepository } from './location.repository';
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
