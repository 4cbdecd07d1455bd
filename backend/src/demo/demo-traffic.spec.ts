import { join } from 'node:path';
import { loadSitePlan } from '@backend/facility/site-plan';
import { parseGenericBatch } from '@backend/ingest/formats/generic.format';
import type { HospitalSimulator } from '@backend/simulator';
import { DEMO_DWELL_MS, demoHospital, demoTags, toGenericReads } from './demo-traffic';

const T0 = Date.UTC(2026, 10, 25, 10, 0, 0);
const PLAN = loadSitePlan(join(__dirname, '../../../floorplans/demo-hospital')).plan;
const DEVICES = new Map((PLAN.devices ?? []).map((d) => [d.code, d]));

/** Every post of the first `seconds` ticks: device code, generic reads. */
function posts(
  sim: HospitalSimulator,
  seconds: number,
): { code: string; at: number; reads: ReturnType<typeof toGenericReads> }[] {
  const out: { code: string; at: number; reads: ReturnType<typeof toGenericReads> }[] = [];
  for (let s = 1; s <= seconds; s++)
    for (const [code, observations] of sim.tick(T0 + s * 1000))
      out.push({ code, at: T0 + s * 1000, reads: toGenericReads(observations) });
  return out;
}

describe('demo traffic', () => {
  const { rfidTags, bleTags } = demoTags(PLAN);

  it('simulates the demo equipment of the site plan, RFID-tagged and BLE-tagged', () => {
    expect(rfidTags.length).toBeGreaterThanOrEqual(30);
    expect(bleTags.length).toBeGreaterThanOrEqual(40);
    for (const { tagId } of bleTags) expect(tagId).toMatch(/^IBEACON:[0-9A-F-]{36}:\d+:\d+$/);
    expect(demoHospital({ ...PLAN, demo: { assets: [] } }, 1, T0)).toBeNull();
  });

  it('posts one batch per device per tick that the real generic ingest accepts, with the right technology', () => {
    const sim = demoHospital(PLAN, 1, T0)!;
    const all = posts(sim, 30);
    const perTick = new Set<string>();

    expect(all.length).toBeGreaterThan(30);
    for (const { code, at, reads } of all) {
      expect(perTick.has(`${code}@${at}`)).toBe(false);
      perTick.add(`${code}@${at}`);
      const parsed = parseGenericBatch({ reads }, at);
      expect(parsed.problems).toEqual([]);
      expect(parsed.observations).toHaveLength(reads.length);
      const device = DEVICES.get(code)!;
      for (const o of parsed.observations) {
        if (device.kind === 'ble_gateway') {
          expect(o).toMatchObject({ tech: 'ble', antenna: null });
          expect(bleTags.map((t) => t.tagId)).toContain(o.tagId);
        } else {
          expect(o.tech).toBe('rfid');
          expect(device.antennas!.map((a) => a.port)).toContain(o.antenna);
          expect(rfidTags).toContain(o.tagId);
        }
        expect(o.seenAt).toBeLessThanOrEqual(at);
        expect(o.seenAt).toBeGreaterThan(at - 1000);
      }
    }
  });

  it('has each RFID asset read strongly by an antenna of the zone it is truly in', () => {
    const sim = demoHospital(PLAN, 2, T0)!;
    const all = posts(sim, 5);
    let checked = 0;

    for (const tagId of rfidTags) {
      const truth = sim.truth(tagId, T0 + 5000)!;
      if (truth.moving) continue;
      const strong = all
        .filter((p) => p.at === T0 + 5000)
        .flatMap((p) =>
          p.reads.filter((r) => r.tagId === tagId && r.rssi >= -65).map((r) => ({ code: p.code, antenna: r.antenna })),
        );
      for (const read of strong)
        expect(DEVICES.get(read.code)!.antennas!.find((a) => a.port === read.antenna)!.zone).toBe(truth.zoneId);
      checked += strong.length;
    }
    expect(checked).toBeGreaterThan(rfidTags.length / 2);
  });

  it('moves the equipment between zones every few minutes, and the same way for the same seed', () => {
    const [a, b] = [demoHospital(PLAN, 3, T0)!, demoHospital(PLAN, 3, T0)!];
    const later = T0 + DEMO_DWELL_MS[1] + 120_000;
    const moved = a.tagIds.filter((t) => a.truth(t, later)!.zoneId !== a.truth(t, T0)!.zoneId);

    expect(moved.length).toBeGreaterThan(a.tagIds.length / 2);
    for (const t of a.tagIds) expect(b.truth(t, later)).toEqual(a.truth(t, later));
  });
});
