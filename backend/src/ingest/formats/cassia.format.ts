import { parseIsoInstant } from '@backend/common/time';
import { type BeaconTelemetry, bleObservation, decodeAdvertising, hexToBytes, normaliseMac } from '../ble/advertising';
import type { ParseContext, ParsedBatch } from './parsed-batch';
import { VendorBatch, vendorAjv } from './vendor-batch';

/**
 * Cassia gateway scan results, as the gateway's SSE stream sends them (`data: {...}` lines, the
 * service handing a text body over line by line; `:` comments and `event:`/`id:`/`retry:` lines
 * are skipped) or as a JSON array / NDJSON of records:
 * `{"bdaddrs": [{"bdaddr", "bdaddrType"}], "rssi", "adData", "scanData"?, "evtType"?, "name"?}`.
 * Through the AC controller the fields are renamed (`bdad` for `bdaddr`, `evt_type`) and `ap`
 * names the gateway; the gateway is the authenticated device here, so `ap` is not read.
 * `bdaddrType` (public / random) is kept as the tag's `addressType`: a random (private) address
 * changes over time, so such a tag is only trackable by its frame id (iBeacon / Eddystone-UID).
 * `adData` and `scanData` (the scan response) are decoded together; one documented example has
 * a space inside the hex, tolerated. A time, when given (`time` / `timestamp`), is
 * "YYYY-MM-DD HH:MM:SS.mmm TZ" local or ISO; without one the read is at the receive time.
 * Gateways post the stream as text/event-stream or text/plain.
 */
interface CassiaRecord {
  bdaddrs?: { bdaddr?: string; bdad?: string; bdaddrType?: string }[];
  bdaddr?: string;
  bdad?: string;
  rssi?: number;
  adData?: string;
  scanData?: string;
  time?: string;
  timestamp?: string;
}

const MAC = { type: 'string', pattern: '^[0-9A-Fa-f]{2}(?:[:-]?[0-9A-Fa-f]{2}){5}$' };
const HEX = { type: 'string', maxLength: 3400, pattern: '^[0-9A-Fa-f\\s]*$' };

const validateRecord = vendorAjv.compile<CassiaRecord>({
  type: 'object',
  properties: {
    bdaddrs: {
      type: 'array',
      minItems: 1,
      items: { type: 'object', properties: { bdaddr: MAC, bdad: MAC, bdaddrType: { type: 'string' } } },
    },
    bdaddr: MAC,
    bdad: MAC,
    rssi: { type: 'integer', minimum: -127, maximum: 20 },
    adData: HEX,
    scanData: HEX,
    time: { type: 'string', maxLength: 64 },
    timestamp: { type: 'string', maxLength: 64 },
  },
});

const MAX_FUTURE_MS = 5 * 60_000;
const LOCAL_TIME = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?)(?:\s*(\S+))?$/;

/** Offset spelled `Z`, `UTC`, `GMT`, `+08:00`, `+0800`, `UTC+8`, `GMT-05:30` as ISO, or null. */
function isoOffset(zone: string): string | null {
  if (/^(?:Z|UTC|GMT)$/i.test(zone)) return 'Z';
  const m = /^(?:UTC|GMT)?([+-])(\d{1,2})(?::?(\d{2}))?$/i.exec(zone);
  return m ? `${m[1]}${m[2].padStart(2, '0')}:${m[3] ?? '00'}` : null;
}

/** An IANA zone name (Area/City); abbreviations such as CST are ambiguous and not trusted. */
function isTimeZone(zone: string): boolean {
  if (!zone.includes('/')) return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** Epoch ms of a Cassia time; a zone abbreviation it cannot resolve (CST...) reads as the site zone. */
export function cassiaInstant(value: string, siteTimeZone: string | null | undefined): number | null {
  const m = LOCAL_TIME.exec(value.trim());
  if (!m) return parseIsoInstant(value.trim(), siteTimeZone);
  const wall = `${m[1]}T${m[2]}`;
  const zone = m[3];
  if (zone === undefined) return parseIsoInstant(wall, siteTimeZone);
  const offset = isoOffset(zone);
  if (offset !== null) return parseIsoInstant(`${wall}${offset}`);
  return parseIsoInstant(wall, isTimeZone(zone) ? zone : siteTimeZone);
}

function readRecord(batch: VendorBatch, item: unknown, i: number, now: number, context?: ParseContext): void {
  if (!batch.validate(validateRecord, item, i)) return;
  const first = item.bdaddrs?.[0];
  const address = first?.bdaddr ?? first?.bdad ?? item.bdaddr ?? item.bdad;
  if (address === undefined) {
    batch.problem(i, `items[${i}].bdaddrs`, 'is required (or bdaddr / bdad)');
    return;
  }
  const time = item.time ?? item.timestamp;
  let seenAt = now;
  if (time !== undefined) {
    const field = `items[${i}].${item.time === undefined ? 'timestamp' : 'time'}`;
    const ms = cassiaInstant(time, context?.siteTimeZone);
    if (ms === null) {
      batch.problem(i, field, 'must be "YYYY-MM-DD HH:MM:SS.mmm" with a zone, or ISO-8601');
      return;
    }
    if (ms > now + MAX_FUTURE_MS) {
      batch.problem(i, field, 'is more than 5 minutes in the future (check the gateway clock / NTP)');
      return;
    }
    seenAt = ms;
  }
  const hex = `${item.adData ?? ''}${item.scanData ?? ''}`;
  const adv = decodeAdvertising(hex);
  if (hexToBytes(hex) === null) {
    batch.problem(i, `items[${i}].adData`, 'must be BLE advertising data in hex (an even number of digits)');
    return;
  }
  const type = item.bdaddrs?.[0]?.bdaddrType?.toLowerCase();
  const addressType: BeaconTelemetry | undefined =
    type === 'public' || type === 'random' ? { addressType: type } : undefined;
  batch.read(bleObservation(normaliseMac(address) as string, adv, item.rssi ?? null, seenAt, addressType));
}

/** Parses Cassia scan records (SSE lines or JSON) into observations (tech ble, rssi in dBm). */
export function parseCassiaBatch(body: unknown, now: number, context?: ParseContext): ParsedBatch {
  const batch = new VendorBatch(now);
  const items = Array.isArray(body) ? (body as unknown[]) : [body];
  items.forEach((item, i) => {
    if (typeof item !== 'string') {
      readRecord(batch, item, i, now, context);
      return;
    }
    const line = item.trim();
    // SSE: comments (":keep-alive") and the other fields carry no record.
    if (line.startsWith(':') || /^(?:event|id|retry):/.test(line)) return;
    const json = line.startsWith('data:') ? line.slice(5).trim() : line;
    let value: unknown;
    try {
      value = JSON.parse(json);
    } catch {
      batch.problem(i, `items[${i}]`, 'must be an SSE line "data: {json}" or a JSON record');
      return;
    }
    readRecord(batch, value, i, now, context);
  });
  return batch.result();
}
