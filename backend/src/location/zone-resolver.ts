import type { TagObservation } from '@backend/queue/queue.contract';

/** Where an antenna port of one reader points. */
export interface AntennaCoverage {
  zoneId: string;
  floorId: string;
  /** Marker anchor of the zone, floor metres. */
  x: number;
  y: number;
}

/** A tag's zone as one batch shows it. */
export interface ZoneFix {
  tagId: string;
  zoneId: string;
  floorId: string;
  x: number;
  y: number;
  antenna: number;
  rssi: number | null;
  seenAt: number;
}

/** Reads within this long of a tag's latest read in the batch count as "the same moment". */
export const EVIDENCE_WINDOW_MS = 2_000;

/**
 * First cut of the RFID location rule, pure: per tag, among its reads in the batch within
 * EVIDENCE_WINDOW_MS of its latest read, the antenna with the strongest signal wins; the tag
 * is placed in that antenna's zone. Reads from antennas covering no zone place nothing.
 * (Hysteresis, dwell and BLE positioning belong to the location engine issue.)
 */
export function resolveZoneFixes(
  observations: readonly TagObservation[],
  coverage: (antenna: number | null) => AntennaCoverage | undefined,
): ZoneFix[] {
  const latest = new Map<string, number>();
  for (const o of observations) {
    const t = latest.get(o.tagId);
    if (t === undefined || o.seenAt > t) latest.set(o.tagId, o.seenAt);
  }
  const best = new Map<string, ZoneFix>();
  for (const o of observations) {
    if (o.seenAt < latest.get(o.tagId)! - EVIDENCE_WINDOW_MS) continue;
    const zone = coverage(o.antenna);
    if (!zone || o.antenna === null) continue;
    const current = best.get(o.tagId);
    const stronger = current === undefined || (o.rssi ?? -Infinity) > (current.rssi ?? -Infinity);
    if (stronger) {
      best.set(o.tagId, { tagId: o.tagId, ...zone, antenna: o.antenna, rssi: o.rssi, seenAt: latest.get(o.tagId)! });
    }
  }
  return [...best.values()];
}
