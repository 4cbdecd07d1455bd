import { normaliseTagId } from '@backend/common/tag-id.pipe';
import type { ParsedBatch } from './parsed-batch';
import { EPC_HEX_PATTERN, itemsOf, VendorBatch, vendorAjv } from './vendor-batch';

/**
 * Impinj SmartReader (the on-reader app) tag events, as it publishes them over MQTT, one message per
 * item: `{"readerName", "mac", "tag_reads": [{"epc", "antennaPort", "antennaZone"?, "peakRssi",
 * "firstSeenTimestamp", ...}]}`. `peakRssi` is a float in dBm; `firstSeenTimestamp` is an integer
 * count of MICROseconds since the epoch (not milliseconds). A message with no tag reads proves the
 * reader alive. Problems are named `items[i].tag_reads[j].<field>`.
 */
interface SmartReaderMessage {
  readerName?: string;
  mac?: string;
  tag_reads?: SmartReaderRead[];
}

interface SmartReaderRead {
  epc: string;
  antennaPort?: number;
  peakRssi?: number;
  firstSeenTimestamp: number;
}

/** 1e14 µs is March 1973: anything smaller is a time in milliseconds or seconds, not microseconds. */
const MIN_MICROS = 1e14;
const MAX_FUTURE_MS = 5 * 60_000;

const validateMessage = vendorAjv.compile<SmartReaderMessage>({
  type: 'object',
  properties: {
    readerName: { type: 'string', maxLength: 200 },
    mac: { type: 'string', maxLength: 64 },
    tag_reads: {
      type: 'array',
      items: {
        type: 'object',
        required: ['epc', 'firstSeenTimestamp'],
        properties: {
          epc: { type: 'string', pattern: EPC_HEX_PATTERN },
          antennaPort: { type: 'integer', minimum: 1, maximum: 1024 },
          peakRssi: { type: 'number', minimum: -120, maximum: 20 },
          firstSeenTimestamp: { type: 'integer', minimum: 0 },
        },
      },
    },
  },
});

/** Parses SmartReader MQTT messages into observations (tech rfid, rssi in dBm). */
export function parseImpinjSmartReaderBatch(body: unknown, now: number): ParsedBatch {
  const batch = new VendorBatch(now);
  itemsOf(body).forEach((item, i) => {
    if (!batch.validate(validateMessage, item, i)) return;
    const reads = item.tag_reads ?? [];
    if (reads.length === 0) {
      batch.alive(null);
      return;
    }
    reads.forEach((read, j) => {
      const field = `items[${i}].tag_reads[${j}].firstSeenTimestamp`;
      if (read.firstSeenTimestamp < MIN_MICROS) {
        batch.problem(i, field, 'must be microseconds since the epoch (this looks like milliseconds or seconds)');
        return;
      }
      const seenAt = Math.floor(read.firstSeenTimestamp / 1000);
      if (seenAt > now + MAX_FUTURE_MS) {
        batch.problem(i, field, 'is more than 5 minutes in the future (check the reader clock / NTP)');
        return;
      }
      batch.read({
        tagId: normaliseTagId(read.epc),
        tech: 'rfid',
        antenna: read.antennaPort ?? null,
        rssi: read.peakRssi ?? null,
        seenAt,
      });
    });
  });
  return batch.result();
}
