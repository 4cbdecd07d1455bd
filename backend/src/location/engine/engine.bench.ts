/**
 * Hot-path cost of the location engine on the demo hospital (floorplans/demo-hospital): 10k
 * tags (half RFID read ~4 times a second by their zone's antenna and now and then by a
 * neighbour, half BLE beacons heard once a second by every gateway within range, with noise and
 * 15% loss), fed as 300-read batches. Prints ns per read and bytes of engine state per tag.
 *
 *   npx esbuild --bundle --platform=node backend/src/location/engine/engine.bench.ts \
 *     --outfile=/tmp/engine-bench.js && node --expose-gc /tmp/engine-bench.js [tags] [seconds]
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gaussian, rng } from './engine.fixtures';
import type { EngineObservation, EngineTopology, EngineZone, Point } from './engine.types';
import { LocationEngine } from './location-engine';

interface SitePlan {
  buildings: {
    floors: { code: string; level: number; zones: { code: string; kind: string; polygon: Point[] }[] }[];
  }[];
  devices: {
    code: string;
    kind: 'rfid_reader' | 'ble_gateway';
    floor: string;
    at: Point;
    antennas?: { port: number; zone: string; side?: 'inside' | 'outside' }[];
  }[];
}

/** The demo hospital as the worker would hand it to the engine (ids = codes). */
export function demoHospitalTopology(root = process.cwd()): EngineTopology {
  const plan = JSON.parse(readFileSync(join(root, 'floorplans/demo-hospital/site.json'), 'utf8')) as SitePlan;
  const floors = plan.buildings.flatMap((b) => b.floors);
  const zones: EngineZone[] = floors.flatMap((f) =>
    f.zones.map((z) => {
      const cx = z.polygon.reduce((s, p) => s + p[0], 0) / z.polygon.length;
      const cy = z.polygon.reduce((s, p) => s + p[1], 0) / z.polygon.length;
      return { id: z.code, floorId: f.code, kind: z.kind, polygon: z.polygon, centroid: [cx, cy] as Point };
    }),
  );
  return {
    floors: floors.map((f) => ({ id: f.code, level: f.level })),
    zones,
    antennas: plan.devices.flatMap((d) =>
      (d.antennas ?? []).map((a) => ({
        deviceId: d.code,
        port: a.port,
        zoneId: a.zone,
        floorId: d.floor,
        side: a.side ?? null,
      })),
    ),
    gateways: plan.devices
      .filter((d) => d.kind === 'ble_gateway')
      .map((d) => ({ deviceId: d.code, floorId: d.floor, x: d.at[0], y: d.at[1] })),
  };
}

function main(): void {
  const tagCount = Number(process.argv[2] ?? 10_000);
  const seconds = Number(process.argv[3] ?? 30);
  const topology = demoHospitalTopology();
  const random = rng(42);
  const antennas = topology.antennas.filter((a) => a.side === null);
  const t0 = Date.UTC(2026, 10, 25, 10, 0, 0);

  // Where each tag is (fixed during the run: the cost per read is what is measured).
  type Hearing = { deviceId: string; rssi: number };
  const tags = Array.from({ length: tagCount }, (_, i) => {
    if (i % 2 === 0) {
      const a = antennas[i % antennas.length];
      const b = antennas[(i * 7 + 3) % antennas.length];
      return { id: `E2801160600002${String(i).padStart(10, '0')}`, tech: 'rfid' as const, a, b };
    }
    const zone = topology.zones.filter((z) => z.kind === 'room' || z.kind === 'bay')[i % 100];
    const hear: Hearing[] = topology.gateways
      .filter((g) => g.floorId === zone.floorId)
      .map((g) => ({
        deviceId: g.deviceId,
        rssi: -59 - 25 * Math.log10(Math.max(0.5, Math.hypot(g.x - zone.centroid[0], g.y - zone.centroid[1]))),
      }))
      .filter((h) => h.rssi > -92);
    return { id: `IBEACON:f7826da6-4fa2-4e98-8024-bc5b71e0893e:1:${i}`, tech: 'ble' as const, hear };
  });

  // Pre-generate the reads of every second, cut into 300-read batches.
  const batches: { reads: EngineObservation[]; now: number }[] = [];
  let total = 0;
  for (let s = 0; s < seconds; s++) {
    const second: EngineObservation[] = [];
    const base = t0 + s * 1_000;
    for (const tag of tags) {
      if (tag.tech === 'rfid') {
        for (let k = 0; k < 4; k++) {
          const at = base + k * 250 + Math.floor(random() * 50);
          second.push({
            tagId: tag.id,
            tech: 'rfid',
            deviceId: tag.a.deviceId,
            antenna: tag.a.port,
            rssi: Math.round(-55 + gaussian(random) * 3),
            seenAt: at,
          });
          if (random() < 0.2) {
            second.push({
              tagId: tag.id,
              tech: 'rfid',
              deviceId: tag.b.deviceId,
              antenna: tag.b.port,
              rssi: Math.round(-72 + gaussian(random) * 3),
              seenAt: at + 1,
            });
          }
        }
      } else {
        for (const h of tag.hear) {
          if (random() < 0.15) continue;
          const rssi = Math.round(h.rssi + gaussian(random) * 4);
          second.push({
            tagId: tag.id,
            tech: 'ble',
            deviceId: h.deviceId,
            antenna: null,
            rssi,
            seenAt: base + Math.floor(random() * 1_000),
          });
        }
      }
    }
    // Readers post what they heard in arrival order, a few hundred reads per request.
    second.sort((a, b) => a.seenAt - b.seenAt);
    for (let i = 0; i < second.length; i += 300) batches.push({ reads: second.slice(i, i + 300), now: base + 1_000 });
    total += second.length;
  }

  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  const memory = () => {
    const m = process.memoryUsage();
    return m.heapUsed + m.arrayBuffers; // typed arrays live outside the JS heap
  };
  const heapBefore = memory();
  const engine = new LocationEngine(topology);
  // Warm-up on the first tenth, then time the rest.
  const warm = Math.floor(batches.length / 10);
  let events = 0;
  for (let i = 0; i < warm; i++) events += engine.ingest(batches[i].reads, batches[i].now).length;
  let timedReads = 0;
  const start = process.hrtime.bigint();
  for (let i = warm; i < batches.length; i++) {
    events += engine.ingest(batches[i].reads, batches[i].now).length;
    timedReads += batches[i].reads.length;
  }
  const ns = Number(process.hrtime.bigint() - start);
  const tickStart = process.hrtime.bigint();
  engine.tick(t0 + seconds * 1_000 + 1_000);
  const tickNs = Number(process.hrtime.bigint() - tickStart);
  gc?.();
  const heapAfter = memory();

  const out = [
    `engine bench: ${tagCount} tags (half RFID, half BLE), ${seconds} s of reads, ${total} reads in ${batches.length} batches`,
    `  ${(ns / timedReads).toFixed(0)} ns/read  (${(((timedReads / ns) * 1e9) / 1000).toFixed(0)}k reads/s on one core)`,
    `  tick over all tags: ${(tickNs / 1e6).toFixed(1)} ms`,
    `  events: ${events}, tags in engine: ${engine.tagCount}`,
    gc
      ? `  state: ${((heapAfter - heapBefore) / engine.tagCount).toFixed(0)} bytes/tag (heap + array buffers grown, after GC)`
      : '  (run node with --expose-gc for bytes/tag)',
  ];
  process.stdout.write(out.join('\n') + '\n');
}

if (require.main === module) main();
