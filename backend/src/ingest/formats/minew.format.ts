import { parseIsoInstant } from '@backend/common/time';
import {
  type Advertising,
  batteryTelemetry,
  bleObservation,
  decodeAdvertising,
  hexToBytes,
  iBeaconTagId,
  normaliseMac,
} from '../ble/advertising';
import type { ParseContext, ParsedBatch } from './parsed-batch';
import { itemsOf, VendorBatch, vendorAjv } from './vendor-batch';

/**
 * Minew G1 / MG3 BLE gateway JSON: an array whose first element describes the gateway,
 * `{"type": "Gateway", "mac", "timestamp"?, ...}` (it proves the gateway alive), then one element
 * per advertiser heard: `{"timestamp", "type": "iBeacon", "mac", "bleName"?, "ibeaconUuid",
 * "ibeaconMajor", "ibeaconMinor", "ibeaconTxPower", "rssi", "battery"?}`, or with the raw
 * advertising data instead, `{"timestamp", "type": "Unknown", "mac", "rssi", "rawData": "0201..."}`.
 * Tag ids follow `ble/advertising.ts`. `battery` is the tag's battery as the gateway decoded it
 * (percent on Minew tags). Times are ISO-8601; one without an offset is read in the site's zone.
 * Older firmware posts binary with a JSON content type: that is refused (400), not guessed at.
 */
interface MinewRecord {
  type: string;
  mac?: string;
  timestamp?: string;
  rssi?: number;
  ibeaconUuid?: string;
  ibeaconMajor?: number;
  ibeaconMinor?: number;
  ibeaconTxPower?: number;
  battery?: number;
  rawData?: string;
}

const MAC_PATTERN = '^[0-9A-Fa-f]{2}(?:[:-]?[0-9A-Fa-f]{2}){5}$';

const validateRecord = vendorAjv.compile<MinewRecord>({
  type: 'object',
  required: ['type'],
  properties: {
    type: { type: 'string', maxLength: 64 },
    mac: { type: 'string', pattern: MAC_PATTERN },
    timestamp: { type: 'string', maxLength: 40 },
    rssi: { type: 'integer', minimum: -127, maximum: 20 },
    ibeaconUuid: { type: 'string', pattern: '^[0-9A-Fa-f]{8}-?(?:[0-9A-Fa-f]{4}-?){3}[0-9A-Fa-f]{12}$' },
    ibeaconMajor: { type: 'integer', minimum: 0, maximum: 65535 },
    ibeaconMinor: { type: 'integer', minimum: 0, maximum: 65535 },
    ibeaconTxPower: { type: 'integer', minimum: -128, maximum: 127 },
    battery: { type: 'number', minimum: 0 },
    rawData: { type: 'string', maxLength: 3400, pattern: '^[0-9A-Fa-f\\s]*$' },
  },
});

const MAX_FUTURE_MS = 5 * 60_000;

/** Epoch ms of an ISO time (site zone when it has no offset), or null with a problem. */
export function siteInstant(
  batch: VendorBatch,
  value: string,
  index: number,
  field: string,
  now: number,
  context?: ParseContext,
): number | null {
  const ms = parseIsoInstant(value, context?.siteTimeZone);
  if (ms === null) {
    batch.problem(
      index,
      field,
      'must be an ISO-8601 time (e.g. 2026-11-25T10:00:00.123Z; without an offset it is read in the site time zone)',
    );
    return null;
  }
  if (ms > now + MAX_FUTURE_MS) {
    batch.problem(index, field, 'is more than 5 minutes in the future (check the gateway clock / NTP)');
    return null;
  }
  return ms;
}

/** Parses Minew gateway arrays into observations (tech ble, rssi in dBm). */
export function parseMinewBatch(body: unknown, now: number, context?: ParseContext): ParsedBatch {
  const batch = new VendorBatch(now);
  itemsOf(body).forEach((item, i) => {
    if (!batch.validate(validateRecord, item, i)) return;
    const seenAt =
      item.timestamp === undefined ? now : siteInstant(batch, item.timestamp, i, `items[${i}].timestamp`, now, context);
    if (seenAt === null) return;
    if (item.type.toLowerCase() === 'gateway') {
      // Its own time proves the gateway alive; without one, its reads do.
      if (item.timestamp !== undefined) batch.alive(seenAt);
      return;
    }
    const mac = item.mac === undefined ? null : normaliseMac(item.mac);
    if (mac === null) {
      batch.problem(i, `items[${i}].mac`, 'is required for an advertiser');
      return;
    }
    const adv: Advertising = item.rawData === undefined ? { structures: [] } : decodeAdvertising(item.rawData);
    if (item.rawData !== undefined && hexToBytes(item.rawData) === null) {
      batch.problem(i, `items[${i}].rawData`, 'must be BLE advertising data in hex (an even number of digits)');
      return;
    }
    const observation = bleObservation(mac, adv, item.rssi ?? null, seenAt, batteryTelemetry(item.battery));
    if (item.ibeaconUuid !== undefined) {
      // The gateway decoded the iBeacon itself: its fields name the tag.
      observation.tagId = iBeaconTagId(item.ibeaconUuid, item.ibeaconMajor ?? 0, item.ibeaconMinor ?? 0) as string;
      if (item.ibeaconTxPower !== undefined && item.ibeaconTxPower < 0) observation.txPower = item.ibeaconTxPower;
    }
    batch.read(observation);
  });
  return batch.result();
}
