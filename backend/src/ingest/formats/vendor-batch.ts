import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import { parseIsoInstant } from '@backend/common/time';
import type { TagObservation } from '@backend/queue/queue.contract';
import type { IngestProblem } from '../ingest-error';
import type { ParsedBatch } from './parsed-batch';

/**
 * What the vendor formats share. Their bodies are lists of events or records: the parsed JSON
 * array, the one object, or the values `splitJsonValues` found in an NDJSON / concatenated body.
 * Problems are named `items[i].<vendor field path>`, i being the index in that list, whatever the
 * framing was. Unlike the generic format, unknown fields are ignored: vendors add fields with
 * firmware updates, and only the fields read here are validated.
 */

/** One Ajv for the vendor schemas, compiled once when each format module loads. */
export const vendorAjv = new Ajv({ allErrors: true, strict: true });

/** An EPC as raw hex: an even number of digits, at most 128 (non-GS1 EPCs stay raw identities). */
export const EPC_HEX_PATTERN = '^(?:[0-9A-Fa-f]{2}){1,64}$';
/** Standard base64 (Impinj's `epc`), padded. */
export const BASE64_PATTERN = '^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$';

const PATTERN_MESSAGES: Record<string, string> = {
  [EPC_HEX_PATTERN]: 'must be an EPC in hex: an even number of hex digits, at most 128',
  [BASE64_PATTERN]: 'must be base64 (A-Z a-z 0-9 + /, padded with =)',
};

const MAX_FUTURE_MS = 5 * 60_000;

/** The list of events or records in a parsed body: an array's elements, or the one value. */
export function itemsOf(body: unknown): unknown[] {
  return Array.isArray(body) ? (body as unknown[]) : [body];
}

/** Upper-case hex of a base64 EPC. The caller has checked the alphabet with BASE64_PATTERN. */
export function epcFromBase64(value: string): string {
  return Buffer.from(value, 'base64').toString('hex').toUpperCase();
}

function toProblem(e: ErrorObject, index: number): IngestProblem {
  const field = e.instancePath
    .split('/')
    .filter(Boolean)
    .reduce((acc, p) => (/^\d+$/.test(p) ? `${acc}[${p}]` : `${acc}.${p}`), `items[${index}]`);
  switch (e.keyword) {
    case 'required':
      return {
        index,
        field: `${field}.${String((e.params as { missingProperty: string }).missingProperty)}`,
        message: 'is required',
      };
    case 'pattern': {
      const pattern = (e.params as { pattern: string }).pattern;
      return { index, field, message: PATTERN_MESSAGES[pattern] ?? e.message ?? 'is invalid' };
    }
    default:
      return { index, field, message: e.message ?? 'is invalid' };
  }
}

/** Collects one vendor batch: reads, device-alive times and problems, each named by item index. */
export class VendorBatch {
  private readonly observations: TagObservation[] = [];
  private readonly problems: IngestProblem[] = [];
  private deviceSeenAt: number | null = null;

  constructor(private readonly now: number) {}

  /** Checks item `index` against a compiled schema, recording its problems; true when valid. */
  validate<T>(validator: ValidateFunction<T>, item: unknown, index: number): item is T {
    if (validator(item)) return true;
    for (const e of validator.errors ?? []) this.problems.push(toProblem(e, index));
    return false;
  }

  problem(index: number, field: string, message: string): void {
    this.problems.push({ index, field, message });
  }

  /** Epoch ms of an ISO-8601 instant with offset, or null with a problem naming the field. */
  instant(value: string, index: number, field: string): number | null {
    const ms = parseIsoInstant(value);
    if (ms === null) {
      this.problem(
        index,
        field,
        'must be an ISO-8601 time with offset (e.g. 2026-11-25T10:00:00.123Z), up to 9 fractional digits',
      );
      return null;
    }
    if (ms > this.now + MAX_FUTURE_MS) {
      this.problem(index, field, 'is more than 5 minutes in the future (check the reader clock / NTP)');
      return null;
    }
    return ms;
  }

  read(observation: TagObservation): void {
    this.observations.push(observation);
  }

  /** A heartbeat or status event: the device was alive at `ms` (the receive time when it has none). */
  alive(ms: number | null): void {
    const at = ms ?? this.now;
    if (this.deviceSeenAt === null || at > this.deviceSeenAt) this.deviceSeenAt = at;
  }

  /** The batch; all or nothing: a batch with any problem yields no observations. */
  result(): ParsedBatch {
    const ok = this.problems.length === 0;
    return {
      observations: ok ? this.observations : [],
      clientBatchId: null,
      problems: this.problems,
      deviceSeenAt: ok ? this.deviceSeenAt : null,
    };
  }
}
