import { randomUUID } from 'node:crypto';
import { Inject, Injectable, NotFoundException } from '@nestjs/common';
import { INGEST_FORMATS, type IngestFormat } from '@wardtrack/contracts';
import type { DevicePrincipal } from '@backend/auth/principal';
import { APP_CONFIG, type AppConfig } from '@backend/config/app-config';
import { BATCH_QUEUE, type BatchQueue, type ObservationBatch } from '@backend/queue/queue.contract';
import { parseGenericBatch, type ParsedBatch } from './formats/generic.format';
import { batchTooLarge, invalidBatch } from './ingest-error';

export interface IngestAccepted {
  batchId: string;
  /** Reads accepted in this batch. */
  accepted: number;
  /** True when this batch id was accepted before: it is not processed again. */
  duplicate: boolean;
}

const PARSERS: Record<IngestFormat, (body: unknown, now: number) => ParsedBatch> = {
  generic: parseGenericBatch,
};

/**
 * Turns a device's POST into one queued batch: parse the vendor format, validate every read,
 * normalise to TagObservation, and answer only once the batch is durable in the queue.
 */
@Injectable()
export class IngestService {
  constructor(
    @Inject(BATCH_QUEUE) private readonly queue: BatchQueue,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async ingest(
    device: DevicePrincipal,
    format: string,
    body: unknown,
    idempotencyKey: string | undefined,
    now = Date.now(),
  ): Promise<IngestAccepted> {
    if (!(INGEST_FORMATS as readonly string[]).includes(format)) {
      throw new NotFoundException(`Unknown ingest format "${format}"; supported: ${INGEST_FORMATS.join(', ')}`);
    }
    const parsed = PARSERS[format as IngestFormat](body, now);
    if (parsed.problems.length > 0) throw invalidBatch(parsed.problems);
    const max = this.config.ingest.maxReadsPerBatch;
    if (parsed.observations.length > max) throw batchTooLarge(parsed.observations.length, max);
    // A sender-given id (header or body) makes a re-sent batch recognisable; it is scoped to the device.
    const clientId = idempotencyKey ?? parsed.clientBatchId;
    const batch: ObservationBatch = {
      batchId: clientId ? `${device.id}:${clientId}` : randomUUID(),
      deviceId: device.id,
      format,
      receivedAt: now,
      observations: parsed.observations,
    };
    const result = await this.queue.enqueue(batch);
    return { batchId: batch.batchId, accepted: parsed.observations.length, duplicate: result === 'duplicate' };
  }
}
