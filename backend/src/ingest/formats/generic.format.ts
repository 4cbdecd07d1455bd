import Ajv, { type ErrorObject } from 'ajv';
import { normaliseTagId } from '@backend/common/tag-id.pipe';
import { parseIsoInstant } from '@backend/common/time';
import type { TagObservation } from '@backend/queue/queue.contract';
import type { IngestProblem } from '../ingest-error';
import type { ParseContext, ParsedBatch } from './parsed-batch';

/**
 * Wardtrack's own format, for readers and middleware that can be configured to send it:
 * `{"batchId"?: "...", "reads": [{"tagId", "antenna"?, "rssi"?, "seenAt", "tech"?}]}` or the bare array.
 */
const readSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['tagId', 'seenAt'],
  properties: {
    tagId: { type: 'string', pattern: '^[A-Za-z0-9:._-]{1,128}$' },
    antenna: { type: 'integer', minimum: 1, maximum: 64 },
    rssi: { type: 'number', minimum: -120, maximum: 20 },
    seenAt: {
      anyOf: [
        { type: 'string', maxLength: 40 },
        { type: 'integer', minimum: 946684800000 },
      ],
    },
    tech: { enum: ['rfid', 'ble'] },
  },
} as const;

// Compiled once at load: per-read validation cost is a few tens of nanoseconds.
const ajv = new Ajv({ allErrors: true, strict: true });
const validateReads = ajv.compile({ type: 'array', items: readSchema });
const validateEnvelope = ajv.compile({
  type: 'object',
  additionalProperties: false,
  required: ['reads'],
  properties: { batchId: { type: 'string', pattern: '^[A-Za-z0-9:._-]{1,128}$' }, reads: { type: 'array' } },
});

interface GenericRead {
  tagId: string;
  antenna?: number;
  rssi?: number;
  seenAt: string | number;
  tech?: 'rfid' | 'ble';
}

/** "/3/rssi" under "reads" -> index 3, field "reads[3].rssi". */
function toProblem(e: ErrorObject, base: string): IngestProblem {
  const parts = e.instancePath.split('/').filter(Boolean);
  const index = base === 'reads' && parts.length > 0 && /^\d+$/.test(parts[0]) ? Number(parts[0]) : null;
  const field = parts.reduce((acc, p) => (/^\d+$/.test(p) ? `${acc}[${p}]` : `${acc}.${p}`), base);
  switch (e.keyword) {
    case 'additionalProperties':
      return {
        index,
        field,
        message: `unknown field "${String((e.params as { additionalProperty: string }).additionalProperty)}"`,
      };
    case 'required':
      return {
        index,
        field: `${field}.${String((e.params as { missingProperty: string }).missingProperty)}`,
        message: 'is required',
      };
    case 'enum':
      return {
        index,
        field,
        message: `must be one of ${(e.params as { allowedValues: unknown[] }).allowedValues.join(', ')}`,
      };
    default:
      return { index, field, message: e.message ?? 'is invalid' };
  }
}

const MAX_FUTURE_MS = 5 * 60_000;

/** Validates with the compiled schema and normalises to observations. `now` bounds future times. */
export function parseGenericBatch(body: unknown, now: number, context?: ParseContext): ParsedBatch {
  let reads: unknown;
  let clientBatchId: string | null = null;
  if (Array.isArray(body)) {
    reads = body;
  } else {
    if (!validateEnvelope(body)) {
      return {
        observations: [],
        clientBatchId,
        problems: (validateEnvelope.errors ?? []).map((e) => toProblem(e, 'body')),
        deviceSeenAt: null,
      };
    }
    const envelope = body as { batchId?: string; reads: unknown[] };
    reads = envelope.reads;
    clientBatchId = envelope.batchId ?? null;
  }
  if (!validateReads(reads)) {
    // Errors of one item are grouped; the (de-duplicated) anyOf noise is dropped.
    const errors = (validateReads.errors ?? []).filter((e) => e.keyword !== 'anyOf');
    return { observations: [], clientBatchId, problems: errors.map((e) => toProblem(e, 'reads')), deviceSeenAt: null };
  }
  const valid = reads as GenericRead[];
  const problems: IngestProblem[] = [];
  const observations: TagObservation[] = [];
  for (let i = 0; i < valid.length; i++) {
    const r = valid[i];
    const seenAt = typeof r.seenAt === 'number' ? r.seenAt : parseIsoInstant(r.seenAt, context?.siteTimeZone);
    if (seenAt === null) {
      problems.push({
        index: i,
        field: `reads[${i}].seenAt`,
        message: context?.siteTimeZone
          ? 'must be an ISO-8601 time (e.g. 2026-11-25T10:00:00.123Z; without an offset it is read in the site time zone) or epoch milliseconds'
          : 'must be an ISO-8601 time with offset (e.g. 2026-11-25T10:00:00.123Z) or epoch milliseconds (this reader is placed on no site, so local times cannot be read)',
      });
    } else if (seenAt > now + MAX_FUTURE_MS) {
      problems.push({
        index: i,
        field: `reads[${i}].seenAt`,
        message: 'is more than 5 minutes in the future (check the reader clock / NTP)',
      });
    } else {
      observations.push({
        tagId: normaliseTagId(r.tagId),
        tech: r.tech ?? 'rfid',
        antenna: r.antenna ?? null,
        rssi: r.rssi ?? null,
        seenAt,
      });
    }
  }
  // Generic reads carry no heartbeats: the reads themselves prove the device alive.
  return { observations: problems.length > 0 ? [] : observations, clientBatchId, problems, deviceSeenAt: null };
}
