// Load generator for the throughput benchmark, run as its own process (its CPU is counted apart).
// Open loop: batches are due at the target rate whether or not earlier ones were answered, and
// ack latency is measured from when a batch was due (no coordinated omission).
//
//   node bench/throughput-load.mjs <config.json>     (started by bench/throughput.mjs)
//
// mode "http": POST /api/v1/ingest/generic with each device's key, round-robin over the api urls.
// mode "udp":  the same reads as raddecs, one datagram per read, to the barnowl peer.
import { createSocket } from 'node:dgram';
import { readFileSync } from 'node:fs';
import { Pool } from 'undici';
import { prng, receiverIdOf, World } from './throughput-world.mjs';

const config = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const {
  mode,
  targets = [],
  udpPort,
  devices,
  zones,
  tags,
  seed,
  rate,
  durationS,
  warmupS,
  batchSize = 300,
  moverShare = 0.1,
  bleShare = 0.3,
  bleHz = 1,
  maxBatchIntervalMs = 0,
  runId,
  epochMs = Date.now(),
  connections = 32,
} = config;

const world = new World({
  devices,
  zones,
  tags,
  seed,
  moverShare,
  bleTenths: Math.round(bleShare * 10),
  elapsedMs: Date.now() - epochMs,
});
const TICK_MS = 5;
const MAX_SPAN_MS = 2_000;

const stats = {
  mode,
  rate,
  tags,
  batches: 0,
  reads: 0,
  measured: { batches: 0, reads: 0, accepted: 0, byStatus: {}, errors: 0, ackMs: [] },
  lateMsMax: 0,
  moves: 0,
};
let pendingMoves = [];

// --- wire formats -----------------------------------------------------------------------------

const pools = targets.map((t) => new Pool(t, { connections, pipelining: 1, keepAliveTimeout: 30_000 }));
let rr = 0;

function genericBody(di, seq, reads) {
  let s = `{"batchId":"${runId}-${di}-${seq}","reads":[`;
  for (let k = 0; k < reads.length; k++) {
    const r = reads[k];
    if (k > 0) s += ',';
    s +=
      r.port === null
        ? `{"tagId":"${world.tagIds[r.tag]}","rssi":${r.rssi},"seenAt":${r.seenAt},"tech":"ble"}`
        : `{"tagId":"${world.tagIds[r.tag]}","antenna":${r.port},"rssi":${r.rssi},"seenAt":${r.seenAt}}`;
  }
  return s + ']}';
}

const udp = mode === 'udp' ? createSocket('udp4') : null;
const txIdBytes = new Map();
const rxIdBytes = new Map();
/** One raddec (binary form, as raddec's encodeAsHexString lays it out): one decoding of one tag by one receiver. */
function raddecOf(r, di) {
  const ble = world.ble[r.tag] === 1;
  let tx = txIdBytes.get(r.tag);
  if (!tx) {
    tx = Buffer.from(world.tagIds[r.tag].toLowerCase(), 'hex');
    txIdBytes.set(r.tag, tx);
  }
  const rxKey = di * 256 + (r.port ?? 0);
  let rx = rxIdBytes.get(rxKey);
  if (!rx) {
    rx = Buffer.from(receiverIdOf(di, r.port), 'hex');
    rxIdBytes.set(rxKey, rx);
  }
  // flag, length(2), txType, txId, receivers, rssi, decodings, rxType, rxId, checksum
  const len = 1 + 2 + 1 + tx.length + 1 + 1 + 1 + 1 + rx.length + 1;
  const b = Buffer.allocUnsafe(len);
  let o = 0;
  b[o++] = 0x10;
  b.writeUInt16BE(len, o);
  o += 2;
  b[o++] = ble ? 2 : 5; // EUI-48 (BLE MAC) or EPC-96
  tx.copy(b, o);
  o += tx.length;
  b[o++] = 1;
  b[o++] = Math.max(0, Math.min(127, Math.round(r.rssi) + 127));
  b[o++] = 1;
  b[o++] = 1; // EUI-64
  rx.copy(b, o);
  o += rx.length;
  let sum = 0;
  for (let k = 0; k < o; k++) sum += b[k];
  b[o] = sum % 256;
  return b;
}

// --- schedule ---------------------------------------------------------------------------------

const seq = new Array(devices.length).fill(0);
// Each device starts part-way through filling a batch, as in a steady state: otherwise every
// device would fill its first batch at the same time and the start of a run would be silent.
const phase = prng(seed + 1);
const acc = Float64Array.from(devices, () => phase() * batchSize);
const lastBatchAt = new Float64Array(devices.length);
const start = performance.now();
const startWall = Date.now();
const warmupMs = warmupS * 1000;
const endMs = durationS * 1000;
let inFlight = 0;
let lastMoveCheck = 0;
let lastTick = 0;

function send(di, due, size) {
  const nowWall = startWall + due;
  const span = Math.min(MAX_SPAN_MS, lastBatchAt[di] === 0 ? 1000 : due - lastBatchAt[di]);
  lastBatchAt[di] = due;
  const reads = world.nextReads(di, size, nowWall, span, (i) => {
    if (due >= warmupMs) pendingMoves.push([world.tagIds[i], startWall + due, world.ble[i] === 1 ? 'ble' : 'rfid']);
  });
  if (reads.length === 0) return;
  const measured = due >= warmupMs;
  stats.batches++;
  stats.reads += reads.length;
  if (measured) {
    stats.measured.batches++;
    stats.measured.reads += reads.length;
  }
  if (mode === 'udp') {
    for (const r of reads) udp.send(raddecOf(r, di), udpPort, '127.0.0.1');
    if (measured) stats.measured.accepted += reads.length;
    return;
  }
  const pool = pools[rr++ % pools.length];
  inFlight++;
  pool
    .request({
      path: '/api/v1/ingest/generic',
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': devices[di].key },
      body: genericBody(di, seq[di]++, reads),
    })
    .then(
      async (res) => {
        await res.body.dump();
        if (!measured) return;
        const m = stats.measured;
        m.byStatus[res.statusCode] = (m.byStatus[res.statusCode] ?? 0) + 1;
        if (res.statusCode === 202) {
          m.accepted += reads.length;
          m.ackMs.push(performance.now() - start - due);
        }
      },
      () => {
        if (measured) stats.measured.errors++;
      },
    )
    .finally(() => inFlight--);
}

let cpuAtWarmup = null;

function tick() {
  const now = performance.now() - start;
  if (now >= endMs) {
    process.send?.({ type: 'ended', at: Date.now() });
    return finish();
  }
  if (cpuAtWarmup === null && now >= warmupMs) {
    cpuAtWarmup = process.cpuUsage();
    process.send?.({ type: 'measuring', at: Date.now() });
  }
  if (now - lastMoveCheck >= 100) {
    stats.moves += world.moveDue(Date.now() - epochMs);
    lastMoveCheck = now;
  }
  // Reads due since the last tick, shared by the devices in proportion to the tags they hear,
  // except that a BLE beacon is heard at most bleHz times a second by each of its gateways (it
  // advertises at most that often; 0: no cap), the RFID readers taking the rest of the rate;
  // a batch is sent, stamped with the moment it fell due, as soon as a device has batchSize of them.
  const dt = now - lastTick;
  lastTick = now;
  stats.lateMsMax = Math.max(stats.lateMsMax, dt - TICK_MS);
  let bleMembers = 0;
  let rfidMembers = 0;
  for (let di = 0; di < devices.length; di++) {
    if (devices[di].kind === 'ble_gateway') bleMembers += world.weight(di);
    else rfidMembers += world.weight(di);
  }
  const due = (rate * dt) / 1000;
  const perMember = due / Math.max(1, bleMembers + rfidMembers);
  const blePerMember = bleHz > 0 && rfidMembers > 0 ? Math.min(perMember, (bleHz * dt) / 1000) : perMember;
  const rfidPerMember = rfidMembers > 0 ? (due - blePerMember * bleMembers) / rfidMembers : 0;
  for (let di = 0; di < devices.length; di++) {
    const w = world.weight(di);
    if (w === 0) continue;
    const before = acc[di];
    acc[di] += w * (devices[di].kind === 'ble_gateway' ? blePerMember : rfidPerMember);
    while (acc[di] >= batchSize) {
      // Interpolate when within this tick the batch fell due.
      const at = now - dt + (dt * (batchSize - before)) / Math.max(1e-9, acc[di] - before);
      acc[di] -= batchSize;
      send(di, Math.max(now - dt, Math.min(now, at)), batchSize);
    }
    // Readers that post at least every maxBatchIntervalMs send what they have, even under batchSize.
    if (maxBatchIntervalMs > 0 && acc[di] >= 1 && now - lastBatchAt[di] >= maxBatchIntervalMs) {
      const size = Math.floor(acc[di]);
      acc[di] -= size;
      send(di, now, size);
    }
  }
  setTimeout(tick, TICK_MS);
}

setInterval(() => {
  if (pendingMoves.length > 0 && process.send) {
    process.send({ type: 'moves', items: pendingMoves });
    pendingMoves = [];
  }
}, 250).unref();

async function finish() {
  // Answers still in flight count (late) for up to 10 s; then the run is over.
  const until = Date.now() + 10_000;
  while (inFlight > 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
  stats.unanswered = inFlight;
  if (cpuAtWarmup !== null) {
    const used = process.cpuUsage(cpuAtWarmup);
    stats.measured.cpuMs = (used.user + used.system) / 1000;
  }
  stats.elapsedS = (performance.now() - start) / 1000;
  stats.measuredS = (endMs - warmupMs) / 1000;
  if (pendingMoves.length > 0) process.send?.({ type: 'moves', items: pendingMoves });
  process.send?.({ type: 'done', stats }, () => process.exit(0));
  if (!process.send) {
    console.log(JSON.stringify({ ...stats, measured: { ...stats.measured, ackMs: stats.measured.ackMs.length } }));
    process.exit(0);
  }
}

/**
 * Priming: every device posts every tag in its field once, in full batches, a few at a time, as
 * fast as the api answers; nothing is measured. Afterwards Wardtrack knows every tag.
 */
async function prime() {
  const jobs = [];
  for (let di = 0; di < devices.length; di++) {
    const n = world.weight(di);
    for (let k = 0; k < n; k += batchSize) jobs.push([di, Math.min(batchSize, n - k)]);
  }
  let next = 0;
  const lane = async () => {
    while (next < jobs.length) {
      const [di, size] = jobs[next++];
      const reads = world.nextReads(di, size, Date.now(), 1000);
      const pool = pools[rr++ % pools.length];
      const body = genericBody(di, seq[di]++, reads);
      for (let attempt = 0; attempt < 20; attempt++) {
        const status = await pool
          .request({
            path: '/api/v1/ingest/generic',
            method: 'POST',
            headers: { 'content-type': 'application/json', 'x-api-key': devices[di].key },
            body,
          })
          .then(
            async (res) => {
              await res.body.dump();
              return res.statusCode;
            },
            () => 0,
          );
        if (status === 202) break;
        await new Promise((r) => setTimeout(r, 250)); // 429/503 or no answer: the reader waits and retries
      }
      stats.reads += reads.length;
      stats.batches++;
    }
  };
  await Promise.all(Array.from({ length: 8 }, lane));
  stats.elapsedS = (performance.now() - start) / 1000;
  process.send?.({ type: 'done', stats }, () => process.exit(0));
}

if (config.prime) void prime();
else setTimeout(tick, TICK_MS);
