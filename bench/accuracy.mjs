// Room-level accuracy of the location engine against ground truth, next to a naive
// strongest-RSSI baseline fed the same observations.
//
//   npm run bench:accuracy      (SEEDS=3 HOURS=1 BLE_TAGS=300 SETTINGS=noisy,clean DEPLOYMENTS=room,corridor
//                                WORKERS=2 POST_EVERY_S=1 by default)
//
// POST_EVERY_S: how often each reader and gateway delivers what it heard (each with its own
// phase), as gateways that post in batches do; 1 = every device every second, as the demo posts.
//
// Each scenario runs in its own worker thread, WORKERS (default: min(2, CPUs)) at a time.
//
// Scenarios: the simulated demo hospital (backend/src/simulator, docs/simulator.md) for each seed
// in the `noisy` and `clean` radio settings, and the real BLE track of the Danis TETAM dataset
// (../shared/fixtures/ble/danis-tetam-cc0, skipped with a message when absent), run once per
// batch phase with the samples pooled, next to the same engine without its BLE track.
//
// BLE deployments (DEPLOYMENTS): `room` is the site plan as it is, a ceiling gateway in every room,
// bay and store plus the corridor gateways; `corridor` keeps only the gateways that hang in
// corridors, the kind of deployment the demo site had before (what gateway density buys). The
// corridor deployment runs in the noisy setting only, the setting the targets are set for.
// Prints the figures with the targets and writes bench/results/accuracy.{json,md} (RESULTS=<path
// without extension> writes elsewhere, e.g. bench/results/accuracy.post-every-3s).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cpus } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const dist = resolve(root, process.env.BACKEND_DIST ?? 'dist/backend');
const { loadSitePlan } = require(join(dist, 'facility/site-plan.js'));
const sim = require(join(dist, 'simulator/index.js'));
const { LocationEngine } = require(join(dist, 'location/engine/index.js'));

const SEEDS = Number(process.env.SEEDS ?? 3);
const HOURS = Number(process.env.HOURS ?? 1);
const BLE_TAGS = Number(process.env.BLE_TAGS ?? 300);
const SETTINGS = (process.env.SETTINGS ?? 'noisy,clean').split(',');
const DEPLOYMENTS = (process.env.DEPLOYMENTS ?? 'room,corridor').split(',');
const POST_EVERY_S = Math.max(1, Math.round(Number(process.env.POST_EVERY_S ?? 1)));
// ENGINE_CONFIG: a JSON object of EngineConfig overrides, to measure a site's own tuning
// (the report says which were used); the defaults are DEFAULT_ENGINE_CONFIG.
const ENGINE_CONFIG = JSON.parse(process.env.ENGINE_CONFIG ?? '{}');
const RESULTS = process.env.RESULTS ?? 'bench/results/accuracy';
const WARMUP_S = 30;
const START = Date.UTC(2026, 10, 25, 8, 0, 0);
const DANIS = join(root, '../shared/fixtures/ble/danis-tetam-cc0');
const DANIS_PHASES_MS = [0, 250, 500, 750];

const TARGETS = {
  rfid: { dwellAccuracy: 0.99, ttcP90S: 2 },
  ble: { dwellAccuracy: 0.95, falseChangesPerTagHour: 1, ttcP90S: 5 },
};

const plan = loadSitePlan(join(root, 'floorplans/demo-hospital')).plan;
// The demo's RFID-tagged equipment (EPCs); its BLE demo assets are left out for the bench's own BLE tags.
const RFID_ASSETS = (plan.demo?.assets ?? [])
  .map((a) => a.tagId.toUpperCase())
  .filter((id) => /^[0-9A-F]{24}$/.test(id));

/** The site plan with one of the BLE deployments (see the header); RFID readers are the same in both. */
function planFor(deployment) {
  if (deployment === 'room') return plan;
  if (deployment !== 'corridor') throw new Error(`unknown deployment ${deployment} (room or corridor)`);
  const full = sim.hospitalFromSitePlan(plan);
  const inCorridor = (d) => sim.zoneAt(full, d.floor, d.at)?.kind === 'corridor';
  return { ...plan, devices: plan.devices.filter((d) => d.kind !== 'ble_gateway' || inCorridor(d)) };
}

/** The simulated hospital of a deployment and the topology the engine is given for it. */
function hospitalFor(deployment) {
  const hospital = sim.hospitalFromSitePlan(planFor(deployment));
  const topology = {
    floors: hospital.floors.map((f) => ({ id: f.id, level: f.level })),
    zones: hospital.zones.map((z) => ({
      id: z.id,
      floorId: z.floorId,
      kind: z.kind,
      polygon: z.polygon,
      centroid: z.centroid,
    })),
    antennas: hospital.antennas.map((a) => ({ ...a })),
    gateways: hospital.gateways.map((g) => ({ deviceId: g.deviceId, floorId: g.floorId, x: g.x, y: g.y })),
  };
  return { hospital, topology };
}

/**
 * The naive baseline: BLE -> the zone of the gateway with the strongest single reading in the
 * last second; RFID -> the zone of the antenna with the strongest read in the last second.
 * With nothing heard in the last second it keeps its last answer.
 */
class StrongestRssiBaseline {
  constructor(topo, zoneOfGateway) {
    this.antennaZone = new Map(topo.antennas.map((a) => [`${a.deviceId}#${a.port}`, a.zoneId]));
    this.zoneOfGateway = zoneOfGateway;
    this.gateways = new Map(topo.gateways.map((g) => [g.deviceId, g]));
    this.zones = new Map();
    this.best = new Map();
  }

  ingest(observations, now) {
    for (const o of observations) {
      if (o.seenAt <= now - 1000 || o.rssi === null) continue;
      const b = this.best.get(o.tagId);
      if (!b || o.rssi > b.rssi) this.best.set(o.tagId, o);
    }
    for (const [tagId, o] of this.best) {
      const zoneId =
        o.tech === 'ble' ? this.zoneOfGateway(o.deviceId) : this.antennaZone.get(`${o.deviceId}#${o.antenna}`);
      const g = o.tech === 'ble' ? this.gateways.get(o.deviceId) : null;
      if (zoneId) this.zones.set(tagId, { zoneId, x: g?.x, y: g?.y });
    }
    this.best.clear();
  }

  fixOf(tagId) {
    return this.zones.get(tagId);
  }
}

/**
 * How honest the confidence is: a running tally of (confidence, zone right?) samples, read by
 * calibrationOf as the mean confidence when the zone was right and when it was wrong, and the
 * Brier score (mean squared difference between the confidence and 1 when right / 0 when wrong;
 * 0 is perfect, always saying 0.5 scores 0.25).
 */
function tally() {
  return { right: 0, rightSum: 0, wrong: 0, wrongSum: 0, brierSum: 0 };
}

function count(t, confidence, right) {
  if (right) {
    t.right++;
    t.rightSum += confidence;
  } else {
    t.wrong++;
    t.wrongSum += confidence;
  }
  t.brierSum += (confidence - (right ? 1 : 0)) ** 2;
}

function calibrationOf(...tallies) {
  const t = tally();
  for (const u of tallies) for (const k of Object.keys(t)) t[k] += u[k];
  const n = t.right + t.wrong;
  if (n === 0) return null;
  return {
    meanWhenRight: t.right ? t.rightSum / t.right : null,
    meanWhenWrong: t.wrong ? t.wrongSum / t.wrong : null,
    brier: t.brierSum / n,
  };
}

function percentile(sorted, p) {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)];
}

/** Runs one simulated-hospital scenario; per tech and system, the figures. */
/** A device's posting phase, 0 .. POST_EVERY_S - 1, fixed by its id. */
function phaseOf(device) {
  let h = 0;
  for (let i = 0; i < device.length; i++) h = (Math.imul(h, 31) + device.charCodeAt(i)) >>> 0;
  return h % POST_EVERY_S;
}

function runHospital(deployment, setting, seed) {
  const { hospital, topology } = hospitalFor(deployment);
  const rfidTags = RFID_ASSETS;
  const bleTags = Array.from({ length: BLE_TAGS }, (_, i) => ({
    tagId: `IBEACON:B1E5A000-0000-4000-8000-00000000BE01:1:${i + 1}`,
  }));
  const simulator = new sim.HospitalSimulator(hospital, {
    seed,
    radio: sim.RADIO_SETTINGS[setting],
    start: START,
    rfidTags,
    bleTags,
    movement: { dwellMs: [60_000, 600_000] },
  });
  const engine = new LocationEngine(topology, ENGINE_CONFIG);
  const gatewayZone = new Map(
    hospital.gateways.map((g) => [g.deviceId, sim.zoneAt(hospital, g.floorId, [g.x, g.y]).id]),
  );
  const baseline = new StrongestRssiBaseline(topology, (id) => gatewayZone.get(id));

  const seconds = Math.round(HOURS * 3600);
  const zoneIndex = new Map(hospital.zones.map((z, i) => [z.id, i]));
  const tags = [
    ...rfidTags.map((t) => ({ tagId: t, tech: 'rfid' })),
    ...bleTags.map((b) => ({ tagId: b.tagId, tech: 'ble' })),
  ];
  // Per tag, per simulated second: the truth and what each system reported (zone indexes, -1 = none).
  const truthZone = tags.map(() => new Int16Array(seconds + 1).fill(-1));
  const moving = tags.map(() => new Uint8Array(seconds + 1));
  const confidence = tags.map(() => new Float32Array(seconds + 1));
  const reported = {
    engine: tags.map(() => new Int16Array(seconds + 1).fill(-1)),
    baseline: tags.map(() => new Int16Array(seconds + 1).fill(-1)),
  };
  const lastCovered = tags.map(() => -1);

  let observations = 0;
  const held = new Map();
  const devices = [
    ...new Set([...topology.antennas.map((a) => a.deviceId), ...topology.gateways.map((g) => g.deviceId)]),
  ].map((id) => ({ id, phase: phaseOf(id) }));
  const t0 = performance.now();
  let engineMs = 0;
  for (let s = 1; s <= seconds; s++) {
    const now = START + s * 1000;
    // Each device delivers what it heard every POST_EVERY_S seconds, at its own phase, and says
    // so (the batch's time) even when it heard nothing, as a gateway or reader posting on a
    // schedule does; the worker passes each batch's time on the same way (engine.delivered).
    const batch = [];
    for (const [device, list] of simulator.tick(now)) {
      let waiting = held.get(device);
      if (!waiting) held.set(device, (waiting = { reads: [] }));
      for (const o of list) waiting.reads.push(o);
    }
    for (const { id, phase } of devices) {
      if ((s + phase) % POST_EVERY_S !== 0) continue;
      engine.delivered(id, now, now);
      const waiting = held.get(id);
      if (!waiting) continue;
      for (const o of waiting.reads) batch.push(o);
      waiting.reads = [];
    }
    observations += batch.length;
    const e0 = performance.now();
    engine.ingest(batch, now);
    engine.tick(now);
    engineMs += performance.now() - e0;
    baseline.ingest(batch, now);
    tags.forEach((tag, i) => {
      const truth = simulator.truth(tag.tagId, now);
      let zone = zoneIndex.get(truth.zoneId);
      if (tag.tech === 'rfid') {
        // RFID can only know the last zone with an antenna the tag passed through.
        if (hospital.antennasByZone.has(truth.zoneId)) lastCovered[i] = zone;
        zone = lastCovered[i];
      }
      truthZone[i][s] = zone;
      moving[i][s] = truth.moving ? 1 : 0;
      const fix = engine.fixOf(tag.tagId, now);
      reported.engine[i][s] = fix && fix.state === 'present' ? (zoneIndex.get(fix.zoneId) ?? -1) : -1;
      confidence[i][s] = fix && fix.state === 'present' ? fix.confidence : 0;
      const b = baseline.fixOf(tag.tagId);
      reported.baseline[i][s] = b ? zoneIndex.get(b.zoneId) : -1;
    });
  }
  const wallMs = performance.now() - t0;

  const result = {
    deployment,
    gateways: hospital.gateways.length,
    setting,
    seed,
    hours: HOURS,
    tags: { rfid: rfidTags.length, ble: bleTags.length },
    observations,
    engineUsPerObservation: (engineMs * 1000) / observations,
    wallSeconds: wallMs / 1000,
    // Raw counts for the pooled summary over seeds (not written to the JSON).
    _raw: {},
  };
  for (const system of ['engine', 'baseline']) {
    for (const tech of ['rfid', 'ble']) {
      const m = {
        dwellSamples: 0,
        dwellCorrect: 0,
        allSamples: 0,
        allCorrect: 0,
        floorCorrect: 0,
        falseChanges: 0,
        moves: 0,
        undetected: 0,
        ttc: [],
        conf: tally(),
      };
      tags.forEach((tag, i) => {
        if (tag.tech !== tech) return;
        const truth = truthZone[i];
        const rep = reported[system][i];
        let reachedSinceEntry = false;
        for (let s = 1; s <= seconds; s++) {
          if (truth[s] !== truth[s - 1]) reachedSinceEntry = false;
          const change = rep[s] !== rep[s - 1] && rep[s - 1] !== -1 && s > 1;
          if (s > WARMUP_S && truth[s] >= 0) {
            const ok = rep[s] === truth[s];
            if (system === 'engine' && rep[s] >= 0) count(m.conf, confidence[i][s], ok);
            m.allSamples++;
            if (ok) m.allCorrect++;
            if (!moving[i][s]) {
              m.dwellSamples++;
              if (ok) m.dwellCorrect++;
              if (rep[s] >= 0 && hospital.zones[rep[s]].floorId === hospital.zones[truth[s]].floorId) m.floorCorrect++;
              // The one change a standing tag may see is the engine catching up with its arrival.
              if (change && !(ok && !reachedSinceEntry)) m.falseChanges++;
            }
          }
          if (rep[s] === truth[s]) reachedSinceEntry = true;
        }
        // Time to the correct zone: from entering the zone the tag is then left in.
        const stages = simulator.itinerary(tag.tagId).stagesUntil(START + seconds * 1000);
        for (let k = 1; k < stages.length; k++) {
          const stop = stages[k];
          if (stop.moving || !stages[k - 1].moving) continue;
          if (tech === 'rfid' && !hospital.antennasByZone.has(stop.zoneId)) continue;
          let j = k;
          while (j > 0 && stages[j - 1].zoneId === stop.zoneId) j--;
          const arrival = stages[j].t0;
          // Moves in the warm-up, and moves too close to the end of the run to be judged (the
          // shortest dwell), are left out for every system alike.
          if (arrival < START + WARMUP_S * 1000 || arrival > START + seconds * 1000 - 60_000) continue;
          const want = zoneIndex.get(stop.zoneId);
          let found = null;
          const last = Math.min(seconds, Math.floor((stop.t1 - START) / 1000));
          for (let s = Math.ceil((arrival - START) / 1000); s <= last; s++)
            if (rep[s] === want) {
              found = Math.max(0, START + s * 1000 - arrival) / 1000;
              break;
            }
          m.moves++;
          if (found === null) m.undetected++;
          else m.ttc.push(found);
        }
      });
      m.ttc.sort((a, b) => a - b);
      // Moves never detected during the dwell count as slower than any detected one.
      const ttcs = [...m.ttc, ...Array(m.undetected).fill(Infinity)];
      result[`${system}.${tech}`] = {
        dwellAccuracy: m.dwellCorrect / m.dwellSamples,
        allTimeAccuracy: m.allCorrect / m.allSamples,
        floorAccuracy: m.floorCorrect / m.dwellSamples,
        falseChangesPerTagHour: m.falseChanges / (m.dwellSamples / 3600),
        stationaryTagHours: m.dwellSamples / 3600,
        moves: m.moves,
        undetectedMoves: m.undetected,
        ttcP50S: percentile(ttcs, 0.5),
        ttcP90S: percentile(ttcs, 0.9),
        confidence: system === 'engine' ? calibrationOf(m.conf) : null,
      };
      // Raw counts for the pooled summary over seeds (not written to the JSON).
      result._raw[`${system}.${tech}`] = { ...m, ttcs };
    }
  }
  return result;
}

/** All seeds of one setting pooled: accuracies over all samples, percentiles over all moves. */
function pooled(runs, key) {
  const raws = runs.map((r) => r._raw[key]);
  const sum = (f) => raws.reduce((a, m) => a + f(m), 0);
  const dwellSamples = sum((m) => m.dwellSamples);
  const ttcs = raws.flatMap((m) => m.ttcs).sort((a, b) => a - b);
  return {
    dwellAccuracy: sum((m) => m.dwellCorrect) / dwellSamples,
    allTimeAccuracy: sum((m) => m.allCorrect) / sum((m) => m.allSamples),
    floorAccuracy: sum((m) => m.floorCorrect) / dwellSamples,
    falseChangesPerTagHour: sum((m) => m.falseChanges) / (dwellSamples / 3600),
    stationaryTagHours: dwellSamples / 3600,
    moves: sum((m) => m.moves),
    undetectedMoves: sum((m) => m.undetected),
    ttcP50S: percentile(ttcs, 0.5),
    ttcP90S: percentile(ttcs, 0.9),
    confidence: key.startsWith('engine.') ? calibrationOf(...raws.map((m) => m.conf)) : null,
  };
}

/** The Danis TETAM track: 12 receivers, one beacon walked along a straight line, camera ground truth. */
function runDanis() {
  const dev = readFileSync(join(DANIS, 'cnf/tetam.dev'), 'utf8');
  const dongles = JSON.parse(
    dev
      .split('\n')
      .find((l) => l.startsWith('Dongles:'))
      .slice('Dongles:'.length),
  );
  const gateways = Object.entries(dongles).map(([mac, [[x, y]]]) => ({ deviceId: mac, floorId: 'tetam', x, y }));
  const [x0, y0, x1, y1] = [-0.5, -0.5, 21.2, 18.2]; // the area's limits, widened to hold the receivers on its edge
  const quad = (id, ax, ay, bx, by) => ({
    id,
    floorId: 'tetam',
    kind: 'room',
    polygon: [
      [ax, ay],
      [bx, ay],
      [bx, by],
      [ax, by],
    ],
    centroid: [(ax + bx) / 2, (ay + by) / 2],
  });
  const zones = [
    quad('Q-NW', x0, y0, 9.5, 9.25),
    quad('Q-NE', 9.5, y0, x1, 9.25),
    quad('Q-SW', x0, 9.25, 9.5, y1),
    quad('Q-SE', 9.5, 9.25, x1, y1),
  ];
  const quadrantOf = (x, y) => (x < 9.5 ? (y < 9.25 ? 'Q-NW' : 'Q-SW') : y < 9.25 ? 'Q-NE' : 'Q-SE');
  const topo = { floors: [{ id: 'tetam', level: 0 }], zones, antennas: [], gateways };
  const lines = readFileSync(join(DANIS, 'trk/straight_01_all_sensors.mbd'), 'utf8').trim().split('\n');
  const reads = lines.map((l) => {
    const f = l.split(',');
    return {
      t: Math.round(Number(f[0]) * 1000),
      mac: f[1],
      beacon: f[2],
      rssi: Number(f[3]),
      x: Number(f[4]),
      y: Number(f[5]),
    };
  });
  const zoneOfGateway = (id) => {
    const g = gateways.find((gw) => gw.deviceId === id);
    return quadrantOf(g.x, g.y);
  };
  const systems = {
    engine: () => new LocationEngine(topo, ENGINE_CONFIG),
    // The same engine scoring every decision on its window alone: what the BLE track adds.
    windowOnly: () => new LocationEngine(topo, { ...ENGINE_CONFIG, bleTracking: false }),
    baseline: () => new StrongestRssiBaseline(topo, zoneOfGateway),
  };
  const out = Object.fromEntries(
    Object.keys(systems).map((name) => [name, { err: [], zoneOk: 0, samples: 0, falseChanges: 0, conf: tally() }]),
  );
  const first = Math.floor(reads[0].t / 1000) * 1000;
  const end = reads[reads.length - 1].t;
  // One track is few samples: it is run once per batch phase (the reads delivered every second,
  // at 0, 250, 500 and 750 ms past the second) and the samples of the four runs are pooled.
  for (const phase of DANIS_PHASES_MS) {
    const start = first + phase;
    const run = Object.fromEntries(Object.entries(systems).map(([name, make]) => [name, make()]));
    const prevZone = {};
    let k = 0;
    let truth = null;
    for (let now = start + 1000; now <= end + 1000; now += 1000) {
      const batch = [];
      while (k < reads.length && reads[k].t <= now) {
        const r = reads[k++];
        batch.push({
          tagId: `MAC:${r.beacon.toUpperCase()}`,
          tech: 'ble',
          deviceId: r.mac,
          antenna: null,
          rssi: r.rssi,
          seenAt: r.t,
        });
        truth = r;
      }
      for (const system of Object.values(run)) {
        system.ingest(batch, now);
        system.tick?.(now);
      }
      if (!truth || now - start <= 2000) continue;
      const truthZone = quadrantOf(truth.x, truth.y);
      const tagId = `MAC:${truth.beacon.toUpperCase()}`;
      for (const [name, system] of Object.entries(run)) {
        const fix = system instanceof StrongestRssiBaseline ? system.fixOf(tagId) : system.fixOf(tagId, now);
        const o = out[name];
        if (!fix) continue;
        o.samples++;
        o.err.push(Math.hypot(fix.x - truth.x, fix.y - truth.y));
        const right = fix.zoneId === truthZone;
        if (right) o.zoneOk++;
        if (fix.confidence !== undefined) count(o.conf, fix.confidence, right);
        if (prevZone[name] !== undefined && fix.zoneId !== prevZone[name] && !right) o.falseChanges++;
        prevZone[name] = fix.zoneId;
      }
    }
  }
  const summary = (o) => {
    const e = [...o.err].sort((a, b) => a - b);
    return {
      samples: o.samples,
      errorMedianM: percentile(e, 0.5),
      errorP75M: percentile(e, 0.75),
      errorP90M: percentile(e, 0.9),
      quadrantAccuracy: o.zoneOk / o.samples,
      falseZoneChangesPerRun: o.falseChanges / DANIS_PHASES_MS.length,
      confidence: calibrationOf(o.conf),
    };
  };
  return {
    durationS: (end - first) / 1000,
    reads: reads.length,
    phasesMs: DANIS_PHASES_MS,
    ...Object.fromEntries(Object.entries(out).map(([name, o]) => [name, summary(o)])),
  };
}

const pct = (v) => (v === null || v === undefined || Number.isNaN(v) ? 'n/a' : `${(v * 100).toFixed(2)}%`);
const sec = (v) => (v === null ? 'n/a' : v === Infinity ? 'never' : `${v.toFixed(1)} s`);
const num = (v, d = 2) => (v === null || v === undefined ? 'n/a' : v.toFixed(d));
const conf = (c) => (c ? `${num(c.meanWhenRight)} / ${num(c.meanWhenWrong)} (${num(c.brier, 3)})` : '');

/** Which engine was measured: the commit, and whether the engine's files differed from it. */
function engineVersion() {
  try {
    const git = (...args) => execFileSync('git', args, { cwd: root, encoding: 'utf8' }).trim();
    const dirty = git('status', '--porcelain', '--', 'backend/src/location/engine') !== '';
    return `${git('rev-parse', '--short', 'HEAD')}${dirty ? ' + uncommitted engine changes' : ''}`;
  } catch {
    return 'unknown (not a git checkout)';
  }
}

async function main() {
  const results = {
    generatedAt: new Date().toISOString(),
    engineVersion: engineVersion(),
    cpus: cpus().length,
    node: process.version,
    hours: HOURS,
    bleTags: BLE_TAGS,
    seeds: SEEDS,
    postEverySeconds: POST_EVERY_S,
    engineConfig: ENGINE_CONFIG,
    deployments: Object.fromEntries(
      DEPLOYMENTS.map((d) => [d, { bleGateways: hospitalFor(d).hospital.gateways.length }]),
    ),
    targets: TARGETS,
    hospital: [],
    danis: null,
  };
  const md = [
    '# Location accuracy (`npm run bench:accuracy`)',
    '',
    `Generated ${results.generatedAt} on ${results.cpus} CPUs, Node ${process.version}. Simulated demo hospital: ${BLE_TAGS} BLE tags and the ${RFID_ASSETS.length} RFID-tagged demo assets, ${HOURS} simulated hour(s) per run, dwell 1-10 min, walking ~1.2 m/s; radio settings and movement model in docs/simulator.md. Accuracy is sampled every simulated second after a ${WARMUP_S} s warm-up; "dwell" = while the tag truly stands still. Engine = \`LocationEngine\` (${results.engineVersion}) with its default configuration${Object.keys(ENGINE_CONFIG).length ? ` and ENGINE_CONFIG=${JSON.stringify(ENGINE_CONFIG)}` : ''}; baseline = strongest single reading in the last second. Every reader and gateway delivers what it heard every ${POST_EVERY_S} s. BLE deployments: ${DEPLOYMENTS.map((d) => `\`${d}\` ${results.deployments[d].bleGateways} gateways`).join(', ')} — \`room\` is the site plan (a ceiling gateway in every room, bay and store, plus the corridor gateways), \`corridor\` only its corridor gateways (noisy setting only).`,
    '',
    'Targets (noisy setting): RFID >= 99% by dwell time, p90 time to correct zone <= 2 s; BLE >= 95% room-level by dwell time, <= 1 false room change per stationary tag-hour, p90 time to correct room <= 5 s; better than the baseline everywhere.',
    '',
    'Definitions. Room accuracy (dwell): share of 1-s samples, while the tag truly stands still, in which the reported zone is the true zone (for RFID: the last zone with an antenna the tag truly entered — what a perfect RFID system can know; no fix or a lost fix counts as wrong). False change: a change of the reported zone while the tag stands still, except the first change into its true zone after it entered it. Time to correct zone: from the moment the tag truly entered the zone it is then left in, to the first 1-s sample reporting that zone (1 s resolution); a move never reported before the tag leaves again counts as slower than any other ("never" when it decides the percentile). Confidence right / wrong: the engine\'s mean fix confidence in the samples where its zone was right and where it was wrong (a fix it has), with the Brier score in brackets (mean of (confidence - 1)^2 when right and confidence^2 when wrong: 0 is perfect, a constant 0.5 scores 0.25).',
    '',
    '| deployment | setting | seed | tech | system | room acc. (dwell) | room acc. (all time) | floor acc. (dwell) | false changes / stationary tag-h | time to correct zone p50 / p90 | moves (never found) |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  ];

  // One scenario per worker thread, as many at once as there are cores (two by default).
  const scenarios = DEPLOYMENTS.flatMap((deployment) =>
    SETTINGS.filter((setting) => deployment === 'room' || setting === 'noisy').flatMap((setting) =>
      Array.from({ length: SEEDS }, (_, i) => ({ deployment, setting, seed: i + 1 })),
    ),
  );
  const parallel = Math.max(1, Number(process.env.WORKERS ?? Math.min(2, cpus().length)));
  const done = new Array(scenarios.length);
  let nextScenario = 0;
  await Promise.all(
    Array.from({ length: Math.min(parallel, scenarios.length) }, async () => {
      while (nextScenario < scenarios.length) {
        const i = nextScenario++;
        done[i] = await new Promise((resolveRun, rejectRun) => {
          const worker = new Worker(fileURLToPath(import.meta.url), { workerData: scenarios[i] });
          worker.once('message', resolveRun);
          worker.once('error', rejectRun);
          worker.once(
            'exit',
            (code) =>
              code !== 0 &&
              rejectRun(
                new Error(
                  `scenario ${scenarios[i].deployment}/${scenarios[i].setting}/${scenarios[i].seed} exited with ${code}`,
                ),
              ),
          );
        });
        console.log(
          `  finished ${scenarios[i].deployment} ${scenarios[i].setting} seed ${scenarios[i].seed} in ${done[i].wallSeconds.toFixed(1)} s`,
        );
      }
    }),
  );
  for (const r of done) {
    const { deployment, setting, seed } = r;
    results.hospital.push(r);
    console.log(
      `\n== hospital ${deployment} (${r.gateways} BLE gateways) ${setting} seed ${seed}: ${r.observations} observations, ${r.wallSeconds.toFixed(1)} s wall, engine ${r.engineUsPerObservation.toFixed(2)} us/observation (wall clock, ingest + tick)`,
    );
    for (const tech of ['rfid', 'ble']) {
      for (const system of ['engine', 'baseline']) {
        const f = r[`${system}.${tech}`];
        const line = `${tech.padEnd(4)} ${system.padEnd(8)} room(dwell) ${pct(f.dwellAccuracy).padStart(7)}  all-time ${pct(f.allTimeAccuracy).padStart(7)}  floor ${pct(f.floorAccuracy).padStart(7)}  false/tag-h ${num(f.falseChangesPerTagHour).padStart(6)}  ttc p50 ${sec(f.ttcP50S)} p90 ${sec(f.ttcP90S)}  moves ${f.moves} (never ${f.undetectedMoves})`;
        console.log(line);
        md.push(
          `| ${deployment} | ${setting} | ${seed} | ${tech.toUpperCase()} | ${system} | ${pct(f.dwellAccuracy)} | ${pct(f.allTimeAccuracy)} | ${pct(f.floorAccuracy)} | ${num(f.falseChangesPerTagHour)} | ${sec(f.ttcP50S)} / ${sec(f.ttcP90S)} | ${f.moves} (${f.undetectedMoves}) |`,
        );
      }
      const t = TARGETS[tech];
      const e = r[`engine.${tech}`];
      console.log(
        `     targets: room(dwell) >= ${pct(t.dwellAccuracy)}${t.falseChangesPerTagHour !== undefined ? `, false/tag-h <= ${t.falseChangesPerTagHour}` : ''}, ttc p90 <= ${t.ttcP90S} s -> ${e.dwellAccuracy >= t.dwellAccuracy && (t.falseChangesPerTagHour === undefined || e.falseChangesPerTagHour <= t.falseChangesPerTagHour) && e.ttcP90S <= t.ttcP90S ? 'met' : 'NOT met'}${setting === 'noisy' ? '' : ' (targets are set for the noisy setting)'}`,
      );
    }
  }

  const summary = [
    '## Summary (seeds pooled)',
    '',
    '| deployment | setting | tech | system | room acc. (dwell) | floor acc. (dwell) | false changes / stationary tag-h | time to correct zone p50 / p90 | confidence right / wrong (Brier) | targets (noisy) |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  ];
  results.summary = [];
  console.log('\n== summary, seeds pooled');
  for (const { deployment, setting } of scenarios.filter((sc) => sc.seed === 1)) {
    const runs = results.hospital.filter((r) => r.deployment === deployment && r.setting === setting);
    for (const tech of ['rfid', 'ble']) {
      const t = TARGETS[tech];
      for (const system of ['engine', 'baseline']) {
        const f = pooled(runs, `${system}.${tech}`);
        const met =
          f.dwellAccuracy >= t.dwellAccuracy &&
          (t.falseChangesPerTagHour === undefined || f.falseChangesPerTagHour <= t.falseChangesPerTagHour) &&
          f.ttcP90S <= t.ttcP90S;
        const verdict = system === 'engine' && setting === 'noisy' ? (met ? 'met' : 'NOT met') : '';
        results.summary.push({ deployment, setting, tech, system, ...f, targetsMet: verdict === '' ? null : met });
        console.log(
          `${deployment.padEnd(8)} ${setting.padEnd(5)} ${tech.padEnd(4)} ${system.padEnd(8)} room(dwell) ${pct(f.dwellAccuracy).padStart(7)}  floor ${pct(f.floorAccuracy).padStart(7)}  false/tag-h ${num(f.falseChangesPerTagHour).padStart(6)}  ttc p50 ${sec(f.ttcP50S)} p90 ${sec(f.ttcP90S)}  ${verdict}`,
        );
        summary.push(
          `| ${deployment} | ${setting} | ${tech.toUpperCase()} | ${system} | ${pct(f.dwellAccuracy)} | ${pct(f.floorAccuracy)} | ${num(f.falseChangesPerTagHour)} | ${sec(f.ttcP50S)} / ${sec(f.ttcP90S)} | ${conf(f.confidence)} | ${verdict} |`,
        );
      }
    }
  }
  // The summary goes first, before the per-seed table.
  md.splice(8, 0, ...summary, '', '## Per seed', '');

  md.push('', '## Real data: Danis TETAM BLE track (straight_01, 12 receivers, camera ground truth)', '');
  if (existsSync(join(DANIS, 'trk/straight_01_all_sensors.mbd'))) {
    const d = runDanis();
    results.danis = d;
    console.log(`\n== Danis TETAM straight_01: ${d.reads} reads over ${d.durationS.toFixed(0)} s`);
    md.push(
      `${d.reads} reads over ${d.durationS.toFixed(0)} s, delivered once a second; the track is run once per batch phase (${d.phasesMs.join(', ')} ms past the second) and the samples are pooled (${d.engine.samples} in all, one per second after 2 s). Quadrant zones split at x = 9.5 m and y = 9.25 m. Engine = the default configuration${Object.keys(ENGINE_CONFIG).length ? ` with ${JSON.stringify(ENGINE_CONFIG)}` : ''}; window only = the same engine with \`bleTracking: false\` (every decision scored on its window alone); baseline position = the strongest receiver's position. False zone changes are per run of the track.`,
      '',
      '| system | position error median / p75 / p90 | quadrant accuracy | false zone changes | confidence right / wrong (Brier) |',
      '| --- | --- | --- | --- | --- |',
    );
    for (const [system, label] of [
      ['engine', 'engine'],
      ['windowOnly', 'engine, window only'],
      ['baseline', 'baseline'],
    ]) {
      const f = d[system];
      console.log(
        `${label.padEnd(20)} error median ${num(f.errorMedianM)} m p75 ${num(f.errorP75M)} m p90 ${num(f.errorP90M)} m  quadrant ${pct(f.quadrantAccuracy)}  false zone changes ${num(f.falseZoneChangesPerRun)} per run  confidence ${conf(f.confidence)} (${f.samples} samples)`,
      );
      md.push(
        `| ${label} | ${num(f.errorMedianM)} / ${num(f.errorP75M)} / ${num(f.errorP90M)} m | ${pct(f.quadrantAccuracy)} | ${num(f.falseZoneChangesPerRun)} | ${conf(f.confidence)} |`,
      );
    }
  } else {
    const msg = `skipped: ${DANIS} not found (the real-data scenario needs the Danis TETAM dataset beside the checkout)`;
    console.log(`\n== Danis TETAM ${msg}`);
    results.danis = { skipped: msg };
    md.push(msg);
  }

  mkdirSync(dirname(join(root, RESULTS)), { recursive: true });
  writeFileSync(
    join(root, `${RESULTS}.json`),
    JSON.stringify(results, (k, v) => (k === '_raw' ? undefined : v), 2) + '\n',
  );
  writeFileSync(join(root, `${RESULTS}.md`), md.join('\n') + '\n');
  console.log(`\nwrote ${RESULTS}.json and ${RESULTS}.md`);
}

if (isMainThread) await main();
else parentPort.postMessage(runHospital(workerData.deployment, workerData.setting, workerData.seed));
