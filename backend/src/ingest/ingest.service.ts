import { createHash } from 'node:crypto';
import { HttpException, HttpStatus, Inject, Injectable, NotFoundException } from '@nestjs/common';
import { INGEST_FORMATS, type IngestFormat } from '@wardtrack/contracts';
import type { DevicePrincipal } from '@backend/auth/principal';
import { APP_CONFIG, type AppConfig } from '@backend/config/app-config';
import { RetryLaterException } from '@backend/common/retry-later.exception';
import {
  BATCH_QUEUE,
  type BatchQueue,
  type ObservationBatch,
  splitIntoPartitions,
} from '@backend/queue/queue.contract';
import { RawIngestBody } from './body-parsers';
import { parseCassiaBatch } from './formats/cassia.format';
import { parseGenericBatch } from './formats/generic.format';
import { parseIngicsBatch } from './formats/ingics.format';
import { parseImpinjIotBatch } from './formats/impinj-iot.format';
import { parseImpinjSmartReaderBatch } from './formats/impinj-smartreader.format';
import { parseImpinjSpeedwayBatch } from './formats/impinj-speedway.format';
import { parseMinewBatch } from './formats/minew.format';
import type { FormatParser } from './formats/parsed-batch';
import { parseRuuviBatch } from './formats/ruuvi.format';
import { parseZebraIotcBatch } from './formats/zebra-iotc.format';
import { FramingError, splitJsonValues } from './framing';
import { DeviceRateLimiter } from './device-rate-limiter';
import { DeviceHealthService } from './device-health.service';
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
  /**
   * Vendor formats whose gateways also send text lines (Ingics `$GPRP,...`, Cassia SSE
   * `data: {...}`): a body that does not start as JSON is handed over as its non-blank lines,
   * one string item per line, for the parser to read.
   */
  textLines?: boolean;
}

const PARSERS: Record<IngestFormat, FormatEntry> = {
  generic: { parse: parseGenericBatch, vendor: false },
  'impinj-iot': { parse: parseImpinjIotBatch, vendor: true },
  'impinj-speedway': { parse: parseImpinjSpeedwayBatch, vendor: true },
  'impinj-smartreader': { parse: parseImpinjSmartReaderBatch, vendor: true },
  'zebra-iotc': { parse: parseZebraIotcBatch, vendor: true },
  minew: { parse: parseMinewBatch, vendor: true },
  ingics: { parse: parseIngicsBatch, vendor: true, textLines: true },
  cassia: { parse: parseCassiaBatch, vendor: true, textLines: true },
  ruuvi: { parse: parseRuuviBatch, vendor: true },
};

const BACKLOG_CHECK_MS = 1_000;

/**
 * Turns a device's POST into one queued batch: parse the vendor format, validate every read,
 * normalise to TagObservation, and answer only once the batch is durable in the queue.
 */
@Injectable()
export class IngestService {
  private readonly limiter: DeviceRateLimiter;
  private backlog = { batches: 0, checkedAt: 0 };

  constructor(
    @Inject(BATCH_QUEUE) private readonly queue: BatchQueue,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly health: DeviceHealthService,
  ) {
    this.limiter = new DeviceRateLimiter(config.ingest.ratePerDevice, config.ingest.burstPerDevice);
  }

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
    const wait = this.limiter.take(device.id, now);
    if (wait > 0) {
      throw new RetryLaterException(
        HttpStatus.TOO_MANY_REQUESTS,
        `Device ${device.code} posts too often; slow down`,
        wait,
      );
    }
    await this.assertQueueCanTakeMore(now);
    const entry = PARSERS[format as IngestFormat];
    const max = this.config.ingest.maxReadsPerBatch;
    let parsed;
    try {
      parsed = entry.parse(
        entry.vendor ? this.vendorItems(body, max, entry.textLines === true) : this.genericBody(body),
        now,
        {
          siteTimeZone: device.timeZone,
        },
      );
      if (parsed.problems.length > 0) throw invalidBatch(parsed.problems);
      if (parsed.observations.length > max) throw batchTooLarge(parsed.observations.length, max);
      if (entry.vendor && parsed.observations.length === 0 && parsed.deviceSeenAt === null) {
        throw invalidBatch([{ index: null, field: 'body', message: 'no tag reads' }]);
      }
    } catch (e) {
      // Operators see a reader's last rejection on GET /devices (misconfigured format, bad clock, ...).
      if (e instanceof HttpException) this.health.recordRejection(device.id, format, e, now);
      throw e;
    }
    // A re-sent batch is recognised by the sender's id (Idempotency-Key or batchId) or, failing
    // that, by the hash of its content: the same reads from the same device are the same batch.
    const clientId = idempotencyKey ?? parsed.clientBatchId;
    const batch: Omit<ObservationBatch, 'partition'> = {
      batchId: `${device.id}:${clientId ?? `sha256:${contentHash(parsed.observations, parsed.deviceSeenAt)}`}`,
      deviceId: device.id,
      format,
      receivedAt: now,
      observations: parsed.observations,
      ...(parsed.deviceSeenAt === null ? {} : { deviceSeenAt: parsed.deviceSeenAt }),
    };
    let result;
    try {
      result = await this.queue.enqueue(splitIntoPartitions(batch, this.config.queue.partitions));
    } catch {
      // Never answer 202 for what could not be stored: the reader keeps the batch and retries.
      this.backlog.checkedAt = 0;
      throw new RetryLaterException(HttpStatus.SERVICE_UNAVAILABLE, 'Queue unavailable; batch not accepted, retry', 5);
    }
    return { batchId: batch.batchId, accepted: parsed.observations.length, duplicate: result === 'duplicate' };
  }

  /** 503 instead of accepting more than the workers can catch up with (checked at most once a second). */
  private async assertQueueCanTakeMore(now: number): Promise<void> {
    if (now - this.backlog.checkedAt > BACKLOG_CHECK_MS) {
      const batches = await this.queue.backlog().catch(() => Number.POSITIVE_INFINITY);
      this.backlog = { batches, checkedAt: now };
    }
    if (this.backlog.batches === Number.POSITIVE_INFINITY) {
      throw new RetryLaterException(HttpStatus.SERVICE_UNAVAILABLE, 'Queue unavailable; batch not accepted, retry', 5);
    }
    if (this.backlog.batches > this.config.ingest.maxBacklog) {
      throw new RetryLaterException(
        HttpStatus.SERVICE_UNAVAILABLE,
        `Backlog of ${this.backlog.batches} batches is over the limit of ${this.config.ingest.maxBacklog}; retry`,
        10,
      );
    }
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
  private vendorItems(body: unknown, max: number, textLines: boolean): unknown[] {
    let items: unknown[];
    if (body instanceof RawIngestBody && textLines && !/^\s*[[{]/.test(body.text)) {
      items = textLinesOf(body.text, max);
    } else if (body instanceof RawIngestBody) {
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

/** The non-blank lines of a text body (LF or CRLF), at most `max` + 1 of them. */
function textLinesOf(text: string, max: number): string[] {
  const lines: string[] = [];
  for (const line of text.split(/\r?\n/)) {
    if (line.trim() === '') continue;
    lines.push(line.trim());
    if (lines.length > max) break;
  }
  return lines;
}

function contentHash(observations: ObservationBatch['observations'], deviceSeenAt: number | null): string {
  const hash = createHash('sha256');
  for (const o of observations) {
    hash.update(`${o.tagId}|${o.antenna}|${o.rssi}|${o.seenAt}|${o.tech}|${JSON.stringify(o.telemetry ?? null)}\n`);
  }
  hash.update(`seen:${deviceSeenAt}`);
  return hash.digest('base64url');
}
