import { randomUUID } from 'node:crypto';
import { Inject, Injectable, NotFoundException } from '@nestjs/common';
import { INGEST_FORMATS, type IngestFormat } from '@wardtrack/contracts';
import type { DevicePrincipal } from '@backend/auth/principal';
import { APP_CONFIG, type AppConfig } from '@backend/config/app-config';
import { BATCH_QUEUE, type BatchQueue, type ObservationBatch } from '@backend/queue/queue.contract';
import { RawIngestBody } from './body-parsers';
import { parseGenericBatch } from './formats/generic.format';
import { parseImpinjIotBatch } from './formats/impinj-iot.format';
import { parseImpinjSpeedwayBatch } from './formats/impinj-speedway.format';
import type { FormatParser } from './formats/parsed-batch';
import { parseZebraIotcBatch } from './formats/zebra-iotc.format';
import { FramingError, splitJsonValues } from './framing';
import { batchTooLarge, invalidBatch, tooManyItems } from './ingest-error';

export interface IngestAccepted {
  batchId: string;
  /** Reads accepted in this batch. */
  accepted: number;
  /** True when this batch id was accepted before: it is not processed again. */
  duplicate: boolean;
}

interface FormatEntry {
  parse: FormatParser;
  /**
   * Vendor formats: the body is a list of events or records, in any framing (array, NDJSON,
   * objects back to back); at most maxReadsPerBatch items; a batch with neither a read nor a
   * heartbeat is refused. The generic format takes exactly one JSON document, as it always has.
   */
  vendor: boolean;
}

const PARSERS: Record<IngestFormat, FormatEntry> = {
  generic: { parse: parseGenericBatch, vendor: false },
  'impinj-iot': { parse: parseImpinjIotBatch, vendor: true },
  'impinj-speedway': { parse: parseImpinjSpeedwayBatch, vendor: true },
  'zebra-iotc': { parse: parseZebraIotcBatch, vendor: true },
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
    const entry = PARSERS[format as IngestFormat];
    const max = this.config.ingest.maxReadsPerBatch;
    const parsed = entry.parse(entry.vendor ? this.vendorItems(body, max) : this.genericBody(body), now);
    if (parsed.problems.length > 0) throw invalidBatch(parsed.problems);
    if (parsed.observations.length > max) throw batchTooLarge(parsed.observations.length, max);
    if (entry.vendor && parsed.observations.length === 0 && parsed.deviceSeenAt === null) {
      throw invalidBatch([{ index: null, field: 'body', message: 'no tag reads' }]);
    }
    // A sender-given id (header or body) makes a re-sent batch recognisable; it is scoped to the device.
    const clientId = idempotencyKey ?? parsed.clientBatchId;
    const batch: ObservationBatch = {
      batchId: clientId ? `${device.id}:${clientId}` : randomUUID(),
      deviceId: device.id,
      format,
      receivedAt: now,
      observations: parsed.observations,
      ...(parsed.deviceSeenAt === null ? {} : { deviceSeenAt: parsed.deviceSeenAt }),
    };
    const result = await this.queue.enqueue(batch);
    return { batchId: batch.batchId, accepted: parsed.observations.length, duplicate: result === 'duplicate' };
  }

  /** The generic format takes one JSON document; a body the JSON parser could not read is a 400. */
  private genericBody(body: unknown): unknown {
    if (body instanceof RawIngestBody) {
      throw invalidBatch([
        { index: null, field: 'body', message: 'must be one JSON document (Content-Type: application/json)' },
      ]);
    }
    return body;
  }

  /** The items of a vendor body, split out of NDJSON or concatenated objects when needed. */
  private vendorItems(body: unknown, max: number): unknown[] {
    let items: unknown[];
    if (body instanceof RawIngestBody) {
      try {
        items = splitJsonValues(body.text, max);
      } catch (e) {
        if (!(e instanceof FramingError)) throw e;
        if (e.tooManyItems) throw tooManyItems(max);
        throw invalidBatch([{ index: e.itemIndex, field: e.field, message: e.detail }]);
      }
    } else {
      items = Array.isArray(body) ? (body as unknown[]) : [body];
    }
    if (items.length > max) throw tooManyItems(max);
    return items;
  }
}
