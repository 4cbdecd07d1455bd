import type { SitePlan } from '@backend/facility/site-plan';
import {
  type BleTagSpec,
  hospitalFromSitePlan,
  HospitalSimulator,
  NOISY_RADIO,
  type SimulatedObservation,
} from '@backend/simulator';

/**
 * What the demo's readers and gateways post, pure: the hospital simulator run on a site plan's
 * demo assets (RFID-tagged and BLE-tagged equipment moved between rooms by staff), its
 * observations turned into generic-format reads, one batch per device and tick.
 */

/** One read in the generic ingest format. */
export interface GenericRead {
  tagId: string;
  tech: 'rfid' | 'ble';
  antenna?: number;
  rssi: number;
  seenAt: string;
}

/** Demo equipment is moved more often than real equipment, so there is something to watch. */
export const DEMO_DWELL_MS: readonly [number, number] = [30_000, 180_000];

const EPC = /^[0-9A-F]{24}$/;

/** The site's demo equipment split by how it is tagged: EPCs are RFID, beacon ids are BLE. */
export function demoTags(plan: SitePlan): { rfidTags: string[]; bleTags: BleTagSpec[] } {
  const ids = (plan.demo?.assets ?? []).map((a) => a.tagId.toUpperCase());
  return {
    rfidTags: ids.filter((id) => EPC.test(id)),
    bleTags: ids.filter((id) => id.startsWith('IBEACON:')).map((tagId) => ({ tagId })),
  };
}

/** The simulated hospital of one site plan, or null when it has no demo equipment. */
export function demoHospital(plan: SitePlan, seed: number, start: number): HospitalSimulator | null {
  const { rfidTags, bleTags } = demoTags(plan);
  if (rfidTags.length + bleTags.length === 0) return null;
  return new HospitalSimulator(hospitalFromSitePlan(plan), {
    seed,
    radio: NOISY_RADIO,
    start,
    rfidTags,
    bleTags,
    movement: { dwellMs: DEMO_DWELL_MS },
  });
}

/** One device's observations as the reads of its generic-format post. */
export function toGenericReads(observations: readonly SimulatedObservation[]): GenericRead[] {
  return observations.map((o) => ({
    tagId: o.tagId,
    tech: o.tech,
    ...(o.antenna === null ? {} : { antenna: o.antenna }),
    rssi: o.rssi,
    seenAt: new Date(o.seenAt).toISOString(),
  }));
}
