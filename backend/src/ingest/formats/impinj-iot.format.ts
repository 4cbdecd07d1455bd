import { normaliseTagId } from '@backend/common/tag-id.pipe';
import type { ParsedBatch } from './parsed-batch';
import { BASE64_PATTERN, EPC_HEX_PATTERN, epcFromBase64, itemsOf, VendorBatch, vendorAjv } from './vendor-batch';

/**
 * Impinj R700 / R720 IoT device interface events (HTTP stream, webhook, MQTT), one event per
 * item: `{"timestamp", "hostname", "eventType": "tagInventory", "tagInventoryEvent": {"epcHex"
 * or base64 "epc", "antennaPort", "peakRssiCdbm", "lastSeenTime", ...}}`. Other events
 * (`antennaConnectedEvent`, `inventoryStatusEvent`, `diagnosticEvent`, ...) carry no reads but
 * prove the reader alive. Some real captures lack `eventType`, so a `tagInventoryEvent` object is
 * what makes an item a read. Problems are named `items[i].tagInventoryEvent.<field>`.
 */
interface ImpinjIotEvent {
  timestamp: string;
  eventType?: string;
  tagInventoryEvent?: {
    epcHex?: string;
    epc?: string;
    antennaPort?: number;
    peakRssiCdbm?: number;
    lastSeenTime?: string;
  };
}

const validateEvent = vendorAjv.compile<ImpinjIotEvent>({
  type: 'object',
  required: ['timestamp'],
  properties: {
    timestamp: { type: 'string', maxLength: 40 },
    eventType: { type: 'string', maxLength: 64 },
    tagInventoryEvent: {
      type: 'object',
      properties: {
        epcHex: { type: 'string', pattern: EPC_HEX_PATTERN },
        epc: { type: 'string', minLength: 4, maxLength: 88, pattern: BASE64_PATTERN },
        antennaPort: { type: 'integer', minimum: 1, maximum: 64 },
        // Centi-dBm: -5250 is -52.50 dBm.
        peakRssiCdbm: { type: 'integer', minimum: -12000, maximum: 2000 },
        lastSeenTime: { type: 'string', maxLength: 40 },
      },
    },
  },
});

/** Parses Impinj IoT device interface events into observations (tech rfid, rssi in dBm). */
export function parseImpinjIotBatch(body: unknown, now: number): ParsedBatch {
  const batch = new VendorBatch(now);
  itemsOf(body).forEach((item, i) => {
    if (!batch.validate(validateEvent, item, i)) return;
    const tag = item.tagInventoryEvent;
    if (tag === undefined) {
      if (item.eventType === 'tagInventory') {
        batch.problem(i, `items[${i}].tagInventoryEvent`, 'is required when eventType is tagInventory');
        return;
      }
      const at = batch.instant(item.timestamp, i, `items[${i}].timestamp`);
      if (at !== null) batch.alive(at);
      return;
    }
    const epc = tag.epcHex ?? (tag.epc === undefined ? undefined : epcFromBase64(tag.epc));
    if (epc === undefined) {
      batch.problem(i, `items[${i}].tagInventoryEvent.epcHex`, 'is required (or the base64 epc)');
      return;
    }
    const seenAt =
      tag.lastSeenTime === undefined
        ? batch.instant(item.timestamp, i, `items[${i}].timestamp`)
        : batch.instant(tag.lastSeenTime, i, `items[${i}].tagInventoryEvent.lastSeenTime`);
    if (seenAt === null) return;
    batch.read({
      tagId: normaliseTagId(epc),
      tech: 'rfid',
      antenna: tag.antennaPort ?? null,
      rssi: tag.peakRssiCdbm === undefined ? null : tag.peakRssiCdbm / 100,
      seenAt,
    });
  });
  return batch.result();
}
