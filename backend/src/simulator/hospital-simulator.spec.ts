import { join } from 'node:path';
import type { SitePlan } from '@backend/facility/site-plan';
import { loadSitePlan } from '@backend/facility/site-plan';
import { distanceToPolygon } from './geometry';
import { type Hospital, hospitalFromSitePlan } from './hospital';
import { countWalls, HospitalSimulator, type SimulatedObservation } from './hospital-simulator';
import { DESTINATION_WEIGHTS } from './movement';
import { CLEAN_RADIO, meanBleRssi, NOISY_RADIO, type RadioSettings } from './radio';

const T0 = Date.UTC(2026, 10, 25, 8, 0, 0);
const DEMO = hospitalFromSitePlan(loadSitePlan(join(__dirname, '../../../floorplans/demo-hospital')).plan);

/**
 * A strip of four zones: a room, a corridor, a doorway portal and the loading dock beyond it.
 * Walls at x = 10 (room | corridor), 26 (corridor | portal) and 32 (portal | dock).
 */
const STRIP: SitePlan = {
  formatVersion: 1,
  site: { code: 'strip', name: 'Strip', timeZone: 'UTC' },
  buildings: [
    {
      code: 'B',
      name: 'B',
      floors: [
        {
          code: 'F0',
          name: 'Ground',
          level: 0,
          widthM: 42,
          heightM: 10,
          plan: 'F0.svg',
          zones: [
            {
              code: 'ROOM',
              name: 'Room',
              kind: 'room',
              careUnit: null,
              polygon: [
                [0, 0],
                [10, 0],
                [10, 10],
                [0, 10],
              ],
            },
            {
              code: 'CORR',
              name: 'Corridor',
              kind: 'corridor',
              careUnit: null,
              polygon: [
                [10, 0],
                [26, 0],
                [26, 10],
                [10, 10],
              ],
            },
            {
              code: 'PORTAL',
              name: 'Dock door',
              kind: 'exit',
              careUnit: null,
              polygon: [
                [26, 0],
                [32, 0],
                [32, 10],
                [26, 10],
              ],
            },
            {
              code: 'DOCK',
              name: 'Dock',
              kind: 'loading_dock',
              careUnit: null,
              polygon: [
                [32, 0],
                [42, 0],
                [42, 10],
                [32, 10],
              ],
            },
          ],
          openings: [
            { kind: 'door', between: ['ROOM', 'CORR'], at: [10, 5] },
            { kind: 'door', between: ['CORR', 'PORTAL'], at: [26, 5] },
            { kind: 'door', between: ['PORTAL', 'DOCK'], at: [32, 5] },
          ],
        },
      ],
    },
  ],
  verticalLinks: [],
  devices: [
    {
      code: 'RDR-ROOM',
      kind: 'rfid_reader',
      name: 'Room',
      vendorFormat: 'generic',
      floor: 'F0',
      at: [5, 5],
      antennas: [{ port: 1, zone: 'ROOM' }],
    },
    {
      code: 'RDR-PORTAL',
      kind: 'rfid_reader',
      name: 'Portal',
      vendorFormat: 'generic',
      floor: 'F0',
      at: [29, 5],
      antennas: [
        { port: 1, zone: 'PORTAL', side: 'inside' },
        { port: 2, zone: 'PORTAL', side: 'outside' },
      ],
    },
    { code: 'GW-ROOM', kind: 'ble_gateway', name: 'Room gateway', vendorFormat: 'generic', floor: 'F0', at: [5, 5] },
  ],
};
const STRIP_HOSPITAL = hospitalFromSitePlan(STRIP);

/** The noisy setting without its sensitivity floor, so the statistics are not truncated. */
const UNTRUNCATED: RadioSettings = { ...NOISY_RADIO, ble: { ...NOISY_RADIO.ble, sensitivityDbm: -200 } };
const STILL = { dwellMs: [1e12, 1e12] as const };

function run(sim: HospitalSimulator, seconds: number, from = T0): SimulatedObservation[] {
  const all: SimulatedObservation[] = [];
  for (let s = 1; s <= seconds; s++) for (const list of sim.tick(from + s * 1000).values()) all.push(...list);
  return all;
}

function mean(xs: number[]): number {
  return xs.reduce((a, b) => a + b, 0) / xs.length;
}

function std(xs: number[]): number {
  const m = mean(xs);
  return Math.sqrt(xs.reduce((a, b) => a + (b - m) ** 2, 0) / (xs.length - 1));
}

/** RSSI minus the path-loss mean without walls, for every reading of the room gateway. */
function residuals(hospital: Hospital, sim: HospitalSimulator, obs: SimulatedObservation[], zoneId: string): number[] {
  const gw = hospital.gateways[0];
  return obs
    .filter((o) => o.deviceId === gw.deviceId && sim.truth(o.tagId, o.seenAt)!.zoneId === zoneId)
    .map((o) => {
      const t = sim.truth(o.tagId, o.seenAt)!;
      return o.rssi - meanBleRssi(UNTRUNCATED.ble, -59, Math.hypot(t.x - gw.x, t.y - gw.y), 0, 0);
    });
}

describe(HospitalSimulator.name, () => {
  const bleTags = (n: number) =>
    Array.from({ length: n }, (_, i) => ({ tagId: `IBEACON:5A1F0000-0000-4000-8000-000000000001:1:${i}` }));

  describe('determinism', () => {
    const make = (seed: number) =>
      new HospitalSimulator(DEMO, {
        seed,
        radio: NOISY_RADIO,
        start: T0,
        rfidTags: ['3414257BF4000000000186A1', '3414257BF4000000000186A2'],
        bleTags: bleTags(20),
        movement: { dwellMs: [20_000, 60_000] },
      });

    it('gives the same observations and truth for the same seed', () => {
      const [a, b] = [make(7), make(7)];
      const obsA = run(a, 120);

      expect(JSON.stringify(run(b, 120))).toBe(JSON.stringify(obsA));
      expect(obsA.length).toBeGreaterThan(1000);
      for (const tag of a.tagIds) expect(a.truth(tag, T0 + 90_000)).toEqual(b.truth(tag, T0 + 90_000));
    });

    it('gives a different day for another seed', () => {
      expect(JSON.stringify(run(make(8), 60))).not.toBe(JSON.stringify(run(make(7), 60)));
    });

    it("does not change a tag's walk when other tags are added", () => {
      const alone = new HospitalSimulator(DEMO, { seed: 7, radio: NOISY_RADIO, start: T0, bleTags: bleTags(1) });
      const crowd = new HospitalSimulator(DEMO, { seed: 7, radio: NOISY_RADIO, start: T0, bleTags: bleTags(50) });
      const tag = bleTags(1)[0].tagId;

      for (let t = T0; t < T0 + 3_600_000; t += 60_000) expect(crowd.truth(tag, t)).toEqual(alone.truth(tag, t));
    });
  });

  describe('BLE radio', () => {
    const sim = new HospitalSimulator(STRIP_HOSPITAL, {
      seed: 3,
      radio: UNTRUNCATED,
      start: T0,
      bleTags: bleTags(60),
      movement: STILL,
    });
    const obs = run(sim, 1200);

    it('has the documented settings within the bounds the accuracy targets are set for', () => {
      for (const r of [NOISY_RADIO, CLEAN_RADIO]) {
        expect(r.ble.pathLossExponent).toBeGreaterThanOrEqual(2);
        expect(r.ble.pathLossExponent).toBeLessThanOrEqual(3);
        expect(r.ble.wallLossDb).toBeGreaterThanOrEqual(3);
      }
      expect(NOISY_RADIO.ble.shadowingSigmaDb).toBeGreaterThanOrEqual(4);
      expect(NOISY_RADIO.ble.packetLoss).toBeGreaterThanOrEqual(0.15);
    });

    it('follows the log-distance path loss with Gaussian shadowing of the set deviation', () => {
      const r = residuals(STRIP_HOSPITAL, sim, obs, 'ROOM');

      expect(r.length).toBeGreaterThan(2000);
      expect(Math.abs(mean(r))).toBeLessThan(0.4);
      expect(std(r)).toBeGreaterThan(5.6);
      expect(std(r)).toBeLessThan(6.4);
    });

    it('takes off the wall loss once per boundary crossed, shared boundaries included', () => {
      const corridor = mean(residuals(STRIP_HOSPITAL, sim, obs, 'CORR'));
      const dock = mean(residuals(STRIP_HOSPITAL, sim, obs, 'DOCK'));

      expect(corridor).toBeGreaterThan(-4 - 0.6);
      expect(corridor).toBeLessThan(-4 + 0.6);
      expect(dock).toBeGreaterThan(-12 - 0.8);
      expect(dock).toBeLessThan(-12 + 0.8);
      expect(countWalls(STRIP_HOSPITAL.walls.get('F0')!, [5, 5], [36, 5.5])).toBe(3);
    });

    it('loses the set share of packets', () => {
      const heard = obs.filter((o) => o.deviceId === 'GW-ROOM').length;

      expect(sim.beaconsSent).toBeGreaterThan(10_000);
      expect(heard / sim.beaconsSent).toBeGreaterThan(0.8 - 0.015);
      expect(heard / sim.beaconsSent).toBeLessThan(0.8 + 0.015);
    });

    it('hears a tag through one floor, weaker by the floor loss, and never two floors away', () => {
      const building = new HospitalSimulator(DEMO, {
        seed: 9,
        radio: UNTRUNCATED,
        start: T0,
        bleTags: bleTags(40),
        movement: STILL,
      });
      const heard = run(building, 60);
      const levelOf = new Map(DEMO.floors.map((f) => [f.id, f.level]));
      const gateways = new Map(DEMO.gateways.map((g) => [g.deviceId, g]));
      const throughFloor: number[] = [];
      for (const o of heard) {
        const t = building.truth(o.tagId, o.seenAt)!;
        const g = gateways.get(o.deviceId)!;
        const storeys = Math.abs(g.level - levelOf.get(t.floorId)!);
        expect(storeys).toBeLessThanOrEqual(1);
        if (storeys === 1)
          throughFloor.push(o.rssi - meanBleRssi(UNTRUNCATED.ble, -59, Math.hypot(t.x - g.x, t.y - g.y), 0, 0));
      }

      expect(throughFloor.length).toBeGreaterThan(500);
      expect(Math.abs(mean(throughFloor) + UNTRUNCATED.ble.floorLossDb)).toBeLessThan(1);
    });

    it('reports nothing below the sensitivity floor, and beacons faster while moving', () => {
      const noisy = new HospitalSimulator(DEMO, {
        seed: 5,
        radio: NOISY_RADIO,
        start: T0,
        bleTags: bleTags(20),
        movement: { dwellMs: [30_000, 90_000] },
      });
      const heard = run(noisy, 600);
      const beacons = new Map<string, boolean>();
      for (const o of heard) beacons.set(`${o.tagId}@${o.seenAt}`, noisy.truth(o.tagId, o.seenAt)!.moving);
      const moving = [...beacons.values()].filter(Boolean).length;
      const movingShare = heard.filter((o) => noisy.truth(o.tagId, o.seenAt)!.moving).length / heard.length;

      expect(Math.min(...heard.map((o) => o.rssi))).toBeGreaterThanOrEqual(-95);
      expect(moving).toBeGreaterThan(0);
      // A tag beacons once a second while moving and every 3-5 s while still.
      const movingSeconds = noisy.tagIds.reduce((sum, tag) => {
        let s = 0;
        for (let t = T0; t < T0 + 600_000; t += 1000) if (noisy.truth(tag, t)!.moving) s++;
        return sum + s;
      }, 0);
      const stillSeconds = 20 * 600 - movingSeconds;
      const stillBeacons = beacons.size - moving;
      expect(moving / movingSeconds).toBeGreaterThan(0.85);
      expect(stillSeconds / stillBeacons).toBeGreaterThan(3);
      expect(stillSeconds / stillBeacons).toBeLessThan(5.5);
      expect(movingShare).toBeGreaterThan(0);
    });
  });

  describe('movement and truth', () => {
    const sim = new HospitalSimulator(DEMO, {
      seed: 11,
      radio: NOISY_RADIO,
      start: T0,
      bleTags: bleTags(12),
      movement: { dwellMs: [60_000, 180_000] },
    });
    const END = T0 + 2 * 3_600_000;

    it('walks at most at walking pace, changes floor only via stairs or lifts, and is always in its zone', () => {
      const problems: string[] = [];
      let floorChanges = 0;
      let zoneChanges = 0;
      for (const tag of sim.tagIds) {
        let prev = sim.truth(tag, T0)!;
        for (let t = T0 + 250; t <= END; t += 250) {
          const now = sim.truth(tag, t)!;
          const zone = DEMO.zoneById.get(now.zoneId)!;
          const at = `${tag} at +${(t - T0) / 1000}s`;
          if (zone.floorId !== now.floorId) problems.push(`${at}: zone ${zone.id} is not on floor ${now.floorId}`);
          if (distanceToPolygon([now.x, now.y], zone.polygon) > 1e-6)
            problems.push(`${at}: (${now.x}, ${now.y}) outside ${zone.id}`);
          if (now.floorId === prev.floorId) {
            if (Math.hypot(now.x - prev.x, now.y - prev.y) > 1.4 * 0.25 + 1e-9)
              problems.push(`${at}: faster than walking`);
            if (now.zoneId !== prev.zoneId) {
              zoneChanges++;
              if (!DEMO.neighbours.get(prev.zoneId)!.includes(now.zoneId))
                problems.push(`${at}: jumped ${prev.zoneId} -> ${now.zoneId}`);
            }
          } else {
            floorChanges++;
            if (!DEMO.linkZones.has(now.zoneId) || !DEMO.linkZones.has(prev.zoneId))
              problems.push(`${at}: changed floor outside stairs/lift`);
          }
          prev = now;
        }
      }
      expect(problems).toEqual([]);
      expect(floorChanges).toBeGreaterThan(0);
      expect(zoneChanges).toBeGreaterThan(100);
    });

    it('leaves equipment standing only in rooms, bays, stores and the like, for the set dwell', () => {
      const stops = sim.tagIds.flatMap((tag) =>
        sim
          .itinerary(tag)!
          .stagesUntil(END)
          .filter((s) => !s.moving)
          .slice(1, -1),
      );

      expect(stops.length).toBeGreaterThan(30);
      for (const s of stops) {
        expect(DESTINATION_WEIGHTS[DEMO.zoneById.get(s.zoneId)!.kind]).toBeGreaterThan(0);
        expect(s.t1 - s.t0).toBeGreaterThanOrEqual(60_000);
        expect(s.t1 - s.t0).toBeLessThanOrEqual(180_000);
      }
    });

    it('has the room gateway hear a tag in the room louder than the same tag beyond three walls', () => {
      const strip = new HospitalSimulator(STRIP_HOSPITAL, {
        seed: 2,
        radio: CLEAN_RADIO,
        start: T0,
        bleTags: bleTags(20),
        movement: STILL,
      });
      const obs = run(strip, 600);
      const inRoom = obs.filter((o) => strip.truth(o.tagId, o.seenAt)!.zoneId === 'ROOM').map((o) => o.rssi);
      const inDock = obs.filter((o) => strip.truth(o.tagId, o.seenAt)!.zoneId === 'DOCK').map((o) => o.rssi);

      expect(inRoom.length).toBeGreaterThan(0);
      expect(inDock.length).toBeGreaterThan(0);
      expect(mean(inRoom)).toBeGreaterThan(mean(inDock) + 20);
    });
  });

  describe('RFID', () => {
    const sim = new HospitalSimulator(STRIP_HOSPITAL, {
      seed: 4,
      radio: CLEAN_RADIO,
      start: T0,
      rfidTags: ['3414257BF4000000000186A1'],
      movement: { dwellMs: [30_000, 60_000] },
    });
    const SECONDS = 3 * 3600;
    const obs = run(sim, SECONDS);
    const tag = '3414257BF4000000000186A1';

    it("reads a tag standing in a zone with that zone's antenna nearly every cycle, strongly", () => {
      const stops = sim
        .itinerary(tag)!
        .stagesUntil(T0 + SECONDS * 1000)
        .filter((s) => !s.moving && s.zoneId === 'ROOM');
      const cycles = stops.reduce(
        (n, s) => n + Math.floor(Math.min(s.t1, T0 + SECONDS * 1000) / 1000) - Math.floor(s.t0 / 1000),
        0,
      );
      const reads = obs.filter((o) => o.deviceId === 'RDR-ROOM' && !sim.truth(tag, o.seenAt)!.moving);

      expect(cycles).toBeGreaterThan(1000);
      expect(reads.length / cycles).toBeGreaterThan(0.96);
      for (const r of reads) {
        expect(r.rssi).toBeGreaterThanOrEqual(-65);
        expect(r.rssi).toBeLessThanOrEqual(-50);
      }
    });

    it('reads a tag at the portal with the inside antenna first going out, and the outside antenna first coming in', () => {
      const stages = sim.itinerary(tag)!.stagesUntil(T0 + SECONDS * 1000);
      const passages: { from: string; t0: number; t1: number }[] = [];
      for (let i = 1; i < stages.length - 1; i++)
        if (stages[i].zoneId === 'PORTAL' && stages[i - 1].zoneId !== 'PORTAL') {
          let j = i;
          while (stages[j + 1]?.zoneId === 'PORTAL') j++;
          passages.push({ from: stages[i - 1].zoneId, t0: stages[i].t0, t1: stages[j].t1 });
        }
      const portalReads = obs.filter((o) => o.deviceId === 'RDR-PORTAL' && o.rssi > -64);

      expect(passages.filter((p) => p.from === 'CORR').length).toBeGreaterThan(5);
      expect(passages.filter((p) => p.from === 'DOCK').length).toBeGreaterThan(5);
      for (const p of passages) {
        const reads = portalReads.filter((o) => o.seenAt >= p.t0 && o.seenAt <= p.t1 + 1000);
        const inside = reads.filter((o) => o.antenna === 1).map((o) => o.seenAt);
        const outside = reads.filter((o) => o.antenna === 2).map((o) => o.seenAt);
        expect(inside.length).toBeGreaterThan(0);
        expect(outside.length).toBeGreaterThan(0);
        if (p.from === 'CORR') expect(Math.max(...inside)).toBeLessThan(Math.min(...outside));
        else expect(Math.max(...outside)).toBeLessThan(Math.min(...inside));
      }
    });

    it('cross-reads a tag in a neighbouring zone only faintly, and never one far away', () => {
      const far = obs.filter((o) => o.deviceId === 'RDR-ROOM' && sim.truth(tag, o.seenAt)!.zoneId === 'DOCK');
      const cross = obs.filter((o) => o.deviceId === 'RDR-ROOM' && sim.truth(tag, o.seenAt)!.zoneId === 'CORR');

      expect(far).toHaveLength(0);
      expect(cross.length).toBeGreaterThan(0);
      for (const r of cross) expect(r.rssi).toBeLessThan(-63);
    });
  });
});
