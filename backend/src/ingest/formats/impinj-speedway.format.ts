import { normaliseTagId } from '@backend/common/tag-id.pipe';
import type { ParsedBatch } from './parsed-batch';
import { EPC_HEX_PATTERN, itemsOf, VendorBatch, vendorAjv } from './vendor-batch';

/**
 * Impinj Speedway Connect JSON, one record per item (readers send them one per line, no array):
 * `{"readerName", "macAddress", "antennaPort", "epc", "tid"?, "firstSeenTimestamp", "peakRssi",
 * "isHeartBeat"}`. Heartbeat records carry no tag and prove the reader alive; their time is the
 * receive time when they have none. xArray sectors report large antenna port numbers, hence up
 * to 1024 here. Problems are named `items[i].<field>`.
 */
interface SpeedwayRecord {
  epc?: string;
  antennaPort?: number;
  peakRssi?: number;
  firstSeenTimestamp?: string;
  isHeartBeat?: boolean;
}

const validateRecord = vendorAjv.compile<SpeedwayRecord>({
  type: 'object',
  properties: {
    epc: { type: 'string', pattern: EPC_HEX_PATTERN },
    antennaPort: { type: 'integer', minimum: 1, maximum: 1024 },
    peakRssi: { type: 'number', minimum: -120, maximum: 20 },
    // ISO-8601 UTC, 5 or 6 fractional digits as Speedway Connect writes them.
    firstSeenTimestamp: { type: 'string', maxLength: 40 },
    isHeartBeat: { type: 'boolean' },
  },
});

/** Parses Speedway Connect records into observations (tech rfid, rssi in dBm). */
export function parseImpinjSpeedwayBatch(body: unknown, now: number): ParsedBatch {
  const batch = new VendorBatch(now);
  itemsOf(body).forEach((item, i) => {
    if (!batch.validate(validateRecord, item, i)) return;
    if (item.isHeartBeat === true) {
      if (item.firstSeenTimestamp === undefined) batch.alive(null);
      else {
        const at = batch.instant(item.firstSeenTimestamp, i, `items[${i}].firstSeenTimestamp`);
        if (at !== null) batch.alive(at);
      }
      return;
    }
    if (item.epc === undefined) {
      batch.problem(i, `items[${i}].epc`, 'is required (a record that is not a heartbeat is a tag read)');
      return;
    }
    if (item.firstSeenTimestamp === undefined) {
      batch.problem(i, `items[${i}].firstSeenTimestamp`, 'is required');
      return;
    }
    const seenAt = batch.instant(item.firstSeenTimestamp, i, `items[${i}].firstSeenTimestamp`);
    if (seenAt === null) return;
    batch.read({
      tagId: normaliseTagId(item.epc),
      tech: 'rfid',
      antenna: item.antennaPort ?? null,
      rssi: item.peakRssi ?? null,
      seenAt,
    });
  });
  return batch.result();
}
