import { bleObservation, decodeAdvertising, normaliseMac } from '../ble/advertising';
import { unixSecondsInstant } from './ingics.format';
import type { ParsedBatch } from './parsed-batch';
import { itemsOf, VendorBatch, vendorAjv } from './vendor-batch';

/**
 * Ruuvi Gateway HTTP: one body is one item, `{"data": {"timestamp": "<unix seconds, as a
 * string>", "gw_mac", "tags": {"<tag mac>": {"rssi", "timestamp", "data": "<raw adv hex>"}}}}`.
 * Each tag is a read (id from its advertising data, else its MAC; Ruuvi RAWv2 frames give
 * temperature and battery); the gateway timestamp proves it alive. Problems are named
 * `items[i].data.tags.<mac>.<field>`.
 */
interface RuuviBody {
  data: {
    timestamp: string | number;
    gw_mac?: string;
    tags?: Record<string, { rssi?: number; timestamp?: string | number; data?: string }>;
  };
}

const SECONDS = {
  anyOf: [
    { type: 'string', pattern: '^\\d{1,12}(?:\\.\\d{1,9})?$' },
    { type: 'number', minimum: 0 },
  ],
};

const validateBody = vendorAjv.compile<RuuviBody>({
  type: 'object',
  required: ['data'],
  properties: {
    data: {
      type: 'object',
      required: ['timestamp'],
      properties: {
        timestamp: SECONDS,
        gw_mac: { type: 'string', maxLength: 32 },
        tags: {
          type: 'object',
          maxProperties: 10_000,
          propertyNames: { pattern: '^[0-9A-Fa-f]{2}(?:[:-]?[0-9A-Fa-f]{2}){5}$' },
          additionalProperties: {
            type: 'object',
            properties: {
              rssi: { type: 'integer', minimum: -127, maximum: 20 },
              timestamp: SECONDS,
              data: { type: 'string', maxLength: 3400, pattern: '^[0-9A-Fa-f]*$' },
            },
          },
        },
      },
    },
  },
});

/** Parses Ruuvi Gateway bodies into observations (tech ble, rssi in dBm). */
export function parseRuuviBatch(body: unknown, now: number): ParsedBatch {
  const batch = new VendorBatch(now);
  itemsOf(body).forEach((item, i) => {
    if (!batch.validate(validateBody, item, i)) return;
    const gatewayAt = unixSecondsInstant(batch, item.data.timestamp, i, `items[${i}].data.timestamp`, now);
    if (gatewayAt === null) return;
    batch.alive(gatewayAt);
    for (const [key, tag] of Object.entries(item.data.tags ?? {})) {
      const field = `items[${i}].data.tags.${key}`;
      const seenAt =
        tag.timestamp === undefined
          ? gatewayAt
          : unixSecondsInstant(batch, tag.timestamp, i, `${field}.timestamp`, now);
      if (seenAt === null) continue;
      const adv = decodeAdvertising(tag.data ?? '');
      batch.read(bleObservation(normaliseMac(key) as string, adv, tag.rssi ?? null, seenAt));
    }
  });
  return batch.result();
}
