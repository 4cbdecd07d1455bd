import {
  type Advertising,
  batteryTelemetry,
  bleObservation,
  decodeAdvertising,
  hexToBytes,
  iBeaconTagId,
  normaliseMac,
} from '../ble/advertising';
import type { ParsedBatch } from './parsed-batch';
import { VendorBatch, vendorAjv } from './vendor-batch';

/**
 * Ingics iGS BLE gateways, in their three shapes:
 * - text lines `$GPRP,<tag mac, 12 hex>,<gateway mac>,<rssi dBm>,<raw adv hex>[,<unix seconds>]`
 *   (`$RSPR` lines, scan responses, read the same); the service hands a text body over line by
 *   line; other `$` report lines are gateway status and ignored;
 * - JSON `{"data": ["$GPRP,...", ...]}` (problems named `items[i].data[j]`);
 * - iGS03 "decoded" JSON `{ts, reader, tag, rssi, type: "ibeacon", uuid, major, minor, ref_tx,
 *   battery}`, whose uuid/major/minor name the tag when given.
 * The second MAC of a line (and `reader`) is the gateway, which is the authenticated device here.
 * Times are optional unix seconds (integer or with a fraction); the receive time otherwise.
 */
interface IngicsDecoded {
  ts?: number | string;
  tag: string;
  rssi?: number;
  type?: string;
  uuid?: string;
  major?: number;
  minor?: number;
  battery?: number;
}

const MAC_PATTERN = '^[0-9A-Fa-f]{2}(?:[:-]?[0-9A-Fa-f]{2}){5}$';

const validateData = vendorAjv.compile<{ data: unknown[] }>({
  type: 'object',
  required: ['data'],
  properties: { data: { type: 'array', items: { type: 'string', maxLength: 4000 } } },
});

const validateDecoded = vendorAjv.compile<IngicsDecoded>({
  type: 'object',
  required: ['tag'],
  properties: {
    ts: {
      anyOf: [
        { type: 'number', minimum: 0 },
        { type: 'string', pattern: '^\\d{1,12}(?:\\.\\d{1,9})?$' },
      ],
    },
    tag: { type: 'string', pattern: MAC_PATTERN },
    rssi: { type: 'integer', minimum: -127, maximum: 20 },
    type: { type: 'string', maxLength: 32 },
    uuid: { type: 'string', pattern: '^[0-9A-Fa-f]{8}-?(?:[0-9A-Fa-f]{4}-?){3}[0-9A-Fa-f]{12}$' },
    major: { type: 'integer', minimum: 0, maximum: 65535 },
    minor: { type: 'integer', minimum: 0, maximum: 65535 },
    battery: { type: 'number', minimum: 0 },
  },
});

const MAX_FUTURE_MS = 5 * 60_000;
const LINE_SHAPE = 'must be $GPRP,<tag mac>,<gateway mac>,<rssi>,<advertising data hex>[,<unix seconds>]';

/** Epoch ms of unix seconds (a number or a string of digits, fraction allowed), or null with a problem. */
export function unixSecondsInstant(
  batch: VendorBatch,
  value: number | string,
  index: number,
  field: string,
  now: number,
): number | null {
  const seconds = typeof value === 'number' ? value : /^\d{1,12}(?:\.\d{1,9})?$/.test(value) ? Number(value) : NaN;
  if (!Number.isFinite(seconds) || seconds < 0) {
    batch.problem(index, field, 'must be unix time in seconds');
    return null;
  }
  const ms = Math.round(seconds * 1000);
  if (ms > now + MAX_FUTURE_MS) {
    batch.problem(index, field, 'is more than 5 minutes in the future (check the gateway clock / NTP)');
    return null;
  }
  return ms;
}

function readLine(batch: VendorBatch, line: string, index: number, field: string, now: number): void {
  const parts = line.trim().split(',');
  const kind = parts[0];
  if (kind !== '$GPRP' && kind !== '$RSPR') {
    if (!kind.startsWith('$')) batch.problem(index, field, LINE_SHAPE);
    return;
  }
  const mac = normaliseMac(parts[1] ?? '');
  const rssi = /^-?\d{1,3}$/.test(parts[3] ?? '') ? Number(parts[3]) : NaN;
  const hex = parts[4] ?? '';
  if (parts.length < 5 || parts.length > 6 || mac === null || !(rssi >= -127 && rssi <= 20)) {
    batch.problem(index, field, LINE_SHAPE);
    return;
  }
  const adv = decodeAdvertising(hex);
  if (hexToBytes(hex) === null) {
    batch.problem(index, field, 'advertising data must be hex (an even number of digits)');
    return;
  }
  const seenAt = parts[5] === undefined ? now : unixSecondsInstant(batch, parts[5], index, field, now);
  if (seenAt === null) return;
  batch.read(bleObservation(mac, adv, rssi, seenAt));
}

function readDecoded(batch: VendorBatch, item: IngicsDecoded, index: number, now: number): void {
  const seenAt = item.ts === undefined ? now : unixSecondsInstant(batch, item.ts, index, `items[${index}].ts`, now);
  if (seenAt === null) return;
  const adv: Advertising = { structures: [] };
  const observation = bleObservation(
    normaliseMac(item.tag) as string,
    adv,
    item.rssi ?? null,
    seenAt,
    batteryTelemetry(item.battery),
  );
  if (item.uuid !== undefined && (item.type ?? 'ibeacon').toLowerCase() === 'ibeacon') {
    observation.tagId = iBeaconTagId(item.uuid, item.major ?? 0, item.minor ?? 0) as string;
  }
  batch.read(observation);
}

function readObject(batch: VendorBatch, item: unknown, index: number, now: number): void {
  if (typeof item === 'object' && item !== null && 'data' in item) {
    if (!batch.validate(validateData, item, index)) return;
    item.data.forEach((line, j) => readLine(batch, line as string, index, `items[${index}].data[${j}]`, now));
    return;
  }
  if (batch.validate(validateDecoded, item, index)) readDecoded(batch, item, index, now);
}

/** Parses Ingics gateway reports (text lines or JSON) into observations (tech ble, rssi in dBm). */
export function parseIngicsBatch(body: unknown, now: number): ParsedBatch {
  const batch = new VendorBatch(now);
  const items = Array.isArray(body) ? (body as unknown[]) : [body];
  items.forEach((item, i) => {
    if (typeof item !== 'string') {
      readObject(batch, item, i, now);
      return;
    }
    // A text body: one line per item; a JSON line among them reads as JSON.
    if (!item.trimStart().startsWith('{')) {
      readLine(batch, item, i, `items[${i}]`, now);
      return;
    }
    let value: unknown;
    try {
      value = JSON.parse(item);
    } catch {
      batch.problem(i, `items[${i}]`, 'is not valid JSON');
      return;
    }
    readObject(batch, value, i, now);
  });
  return batch.result();
}
