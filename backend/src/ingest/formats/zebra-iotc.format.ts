import { normaliseTagId } from '@backend/common/tag-id.pipe';
import type { ParsedBatch } from './parsed-batch';
import { EPC_HEX_PATTERN, itemsOf, VendorBatch, vendorAjv } from './vendor-batch';

/**
 * Zebra FX7500 / FX9600 / ATR7000 IoT Connector events, one per item: tag data events
 * `{"type": "SIMPLE", "timestamp", "data": {"idHex", "antenna", "peakRssi", "reads", "eventNum",
 * "format", "channel", "phase", "PC", "CRC", ...}}`. `idHex` may be lower case; timestamps use
 * offsets like `+0000`. Events of another type without an `idHex` (heartbeat, management events)
 * carry no reads but prove the reader alive. Problems are named `items[i].data.<field>`.
 */
interface ZebraEvent {
  type: string;
  timestamp?: string;
  data?: unknown;
}

interface ZebraTagData {
  idHex?: string;
  antenna?: number;
  peakRssi?: number;
}

/** Zebra's tag data event type for the "simple" reporting mode. */
const TAG_DATA_TYPE = 'SIMPLE';

const validateEvent = vendorAjv.compile<ZebraEvent>({
  type: 'object',
  required: ['type'],
  properties: {
    type: { type: 'string', minLength: 1, maxLength: 64 },
    timestamp: { type: 'string', maxLength: 40 },
  },
});

// Applied only to tag data events: a heartbeat's `data` is the reader's own business.
const validateTagEvent = vendorAjv.compile<{ timestamp: string; data: ZebraTagData }>({
  type: 'object',
  required: ['timestamp', 'data'],
  properties: {
    timestamp: { type: 'string' },
    data: {
      type: 'object',
      properties: {
        idHex: { type: 'string', pattern: EPC_HEX_PATTERN },
        antenna: { type: 'integer', minimum: 1, maximum: 64 },
        peakRssi: { type: 'number', minimum: -120, maximum: 20 },
      },
    },
  },
});

function hasIdHex(data: unknown): boolean {
  return typeof data === 'object' && data !== null && 'idHex' in data;
}

/** Parses Zebra IoT Connector events into observations (tech rfid, rssi in dBm). */
export function parseZebraIotcBatch(body: unknown, now: number): ParsedBatch {
  const batch = new VendorBatch(now);
  itemsOf(body).forEach((item, i) => {
    if (!batch.validate(validateEvent, item, i)) return;
    if (item.type !== TAG_DATA_TYPE && !hasIdHex(item.data)) {
      if (item.timestamp === undefined) batch.alive(null);
      else {
        const at = batch.instant(item.timestamp, i, `items[${i}].timestamp`);
        if (at !== null) batch.alive(at);
      }
      return;
    }
    if (!batch.validate(validateTagEvent, item, i)) return;
    const { idHex, antenna, peakRssi } = item.data;
    if (idHex === undefined) {
      batch.problem(i, `items[${i}].data.idHex`, 'is required in a tag data event');
      return;
    }
    const seenAt = batch.instant(item.timestamp, i, `items[${i}].timestamp`);
    if (seenAt === null) return;
    batch.read({
      tagId: normaliseTagId(idHex),
      tech: 'rfid',
      antenna: antenna ?? null,
      rssi: peakRssi ?? null,
      seenAt,
    });
  });
  return batch.result();
}
