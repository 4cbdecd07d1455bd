// How well could anyone place a standing BLE tag in its room, given the simulated hospital's
// gateways and radio? A diagnostic next to bench:accuracy, not an engine: it cheats by knowing
// the simulator's exact radio model (path loss, walls, noise, loss, sensitivity) and the tag's
// true floor, and classifies the room by maximum likelihood over a 1 m grid of every zone from
// the readings of the last WINDOW_S seconds. Its room accuracy is an upper bound for any engine
// that only knows the gateway positions.
//
//   npm run build && node bench/accuracy-oracle.mjs     (SETTING=noisy TAGS=30 MINUTES=20 WINDOW_S=10
//                                                        DEPLOYMENT=room)
//
// DEPLOYMENT=room is the site plan's BLE gateways; corridor keeps only those that hang in corridors
// (as bench/accuracy.mjs does).
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const dist = resolve(root, process.env.BACKEND_DIST ?? 'dist/backend');
const { loadSitePlan } = require(join(dist, 'facility/site-plan.js'));
const sim = require(join(dist, 'simulator/index.js'));

const SETTING = process.env.SETTING ?? 'noisy';
const TAGS = Number(process.env.TAGS ?? 30);
const MINUTES = Number(process.env.MINUTES ?? 20);
const WINDOW_S = Number(process.env.WINDOW_S ?? 10);
const SEED = Number(process.env.SEED ?? 1);
const DEPLOYMENT = process.env.DEPLOYMENT ?? 'room';
const START = Date.UTC(2026, 10, 25, 8, 0, 0);
const radio = sim.RADIO_SETTINGS[SETTING];
const ble = radio.ble;

const plan = loadSitePlan(join(root, 'floorplans/demo-hospital')).plan;
if (DEPLOYMENT !== 'room' && DEPLOYMENT !== 'corridor') throw new Error(`unknown DEPLOYMENT ${DEPLOYMENT}`);
const full = sim.hospitalFromSitePlan(plan);
const inCorridor = (d) => sim.zoneAt(full, d.floor, d.at)?.kind === 'corridor';
const hospital =
  DEPLOYMENT === 'room'
    ? full
    : sim.hospitalFromSitePlan({
        ...plan,
        devices: plan.devices.filter((d) => d.kind !== 'ble_gateway' || inCorridor(d)),
      });
const tags = Array.from({ length: TAGS }, (_, i) => ({
  tagId: `IBEACON:0AC1E000-0000-4000-8000-000000000001:1:${i + 1}`,
}));
const simulator = new sim.HospitalSimulator(hospital, {
  seed: SEED,
  radio,
  start: START,
  bleTags: tags,
  movement: { dwellMs: [60_000, 600_000] },
});

// Candidate points: a 1 m grid inside every zone (at least its centroid), per floor.
const candidates = new Map();
for (const floor of hospital.floors) {
  const points = [];
  hospital.zones.forEach((z, zi) => {
    if (z.floorId !== floor.id) return;
    let n = 0;
    for (let x = Math.floor(z.box.minX) + 0.5; x < z.box.maxX; x += 1)
      for (let y = Math.floor(z.box.minY) + 0.5; y < z.box.maxY; y += 1)
        if (sim.insidePolygon([x, y], z.polygon)) {
          points.push({ x, y, zone: zi });
          n++;
        }
    if (n === 0) points.push({ x: z.centroid[0], y: z.centroid[1], zone: zi });
  });
  const gateways = hospital.gateways.filter((g) => g.floorId === floor.id);
  // Expected mean RSSI of each gateway at each candidate point (same floor only).
  const mean = points.map((p) =>
    Float64Array.from(gateways, (g) =>
      sim.meanBleRssi(
        ble,
        sim.DEFAULT_TX_POWER,
        Math.hypot(g.x - p.x, g.y - p.y),
        sim.countWalls(hospital.walls.get(floor.id), [g.x, g.y], [p.x, p.y]),
        0,
      ),
    ),
  );
  candidates.set(floor.id, { points, gateways, index: new Map(gateways.map((g, i) => [g.deviceId, i])), mean });
}

const LOG_NORM = -0.5 * Math.log(2 * Math.PI) - Math.log(ble.shadowingSigmaDb);
function phi(z) {
  // Standard normal CDF (Abramowitz-Stegun 7.1.26 on erf).
  const t = 1 / (1 + 0.3275911 * Math.abs(z / Math.SQRT2));
  const erf =
    1 -
    ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) *
      t *
      Math.exp(-(z * z) / 2);
  return z >= 0 ? (1 + erf) / 2 : (1 - erf) / 2;
}

const history = new Map(tags.map((t) => [t.tagId, []]));
let evaluations = 0;
let correct = 0;
for (let s = 1; s <= MINUTES * 60; s++) {
  const now = START + s * 1000;
  for (const list of simulator.tick(now).values()) for (const o of list) history.get(o.tagId).push(o);
  if (s % 5 !== 0 || s < WINDOW_S) continue;
  for (const { tagId } of tags) {
    const truth = simulator.truth(tagId, now);
    const stage = simulator.itinerary(tagId).stageAt(now);
    // Standing still for the whole window: the readings all come from one spot.
    if (truth.moving || stage.t0 > now - WINDOW_S * 1000) continue;
    const h = history.get(tagId).filter((o) => o.seenAt > now - WINDOW_S * 1000);
    history.set(tagId, h);
    const c = candidates.get(truth.floorId);
    const beacons = new Map();
    for (const o of h) {
      const gi = c.index.get(o.deviceId);
      if (gi === undefined) continue; // a gateway on another floor
      if (!beacons.has(o.seenAt)) beacons.set(o.seenAt, new Map());
      beacons.get(o.seenAt).set(gi, o.rssi);
    }
    if (beacons.size === 0) continue;
    const zoneScore = new Map();
    for (let pi = 0; pi < c.points.length; pi++) {
      const mu = c.mean[pi];
      let ll = 0;
      for (const heard of beacons.values())
        for (let gi = 0; gi < mu.length; gi++) {
          const r = heard.get(gi);
          if (r === undefined)
            ll += Math.log(
              ble.packetLoss +
                (1 - ble.packetLoss) * phi((ble.sensitivityDbm - 0.5 - mu[gi]) / ble.shadowingSigmaDb) +
                1e-300,
            );
          else ll += Math.log(1 - ble.packetLoss) + LOG_NORM - 0.5 * ((r - mu[gi]) / ble.shadowingSigmaDb) ** 2;
        }
      const z = c.points[pi].zone;
      const prev = zoneScore.get(z);
      // log-sum-exp over the zone's points: the zone's likelihood with the spot unknown inside it.
      zoneScore.set(z, prev === undefined ? ll : Math.max(prev, ll) + Math.log1p(Math.exp(-Math.abs(prev - ll))));
    }
    let best = -1;
    let bestScore = -Infinity;
    for (const [z, score] of zoneScore) if (score > bestScore) [best, bestScore] = [z, score];
    evaluations++;
    if (hospital.zones[best].id === truth.zoneId) correct++;
  }
}
console.log(
  `oracle (${DEPLOYMENT} deployment, ${hospital.gateways.length} gateways, ${SETTING}, seed ${SEED}, ${TAGS} BLE tags, ${MINUTES} min, ${WINDOW_S} s window, true floor given): room accuracy of standing tags ${((100 * correct) / evaluations).toFixed(1)}% over ${evaluations} evaluations`,
);
