// Throughput of the whole pipeline on real PostgreSQL and Redis, and the barnowl + barnacles peer
// on the same reads, side by side. Loopback only, bounded (about 5 minutes by default).
//
//   npm run bench:throughput                       (builds the backend, then runs this)
//   node bench/throughput.mjs --workers 2          (scaling: two worker processes)
//   node bench/throughput.mjs --apis 2             (two api processes, round-robin load)
//   node bench/throughput.mjs --long               (60 s steps instead of 15 s)
//   node bench/throughput.mjs --profile            (api under --cpu-prof; top frames in the report)
//   node bench/throughput.mjs --help               (every option)
//
// Starts a fresh database (dropped at the end), 1+ api and 1+ worker processes under their own
// QUEUE_PREFIX, registers readers and gateways, then drives ingest from a separate load process
// at stepped open-loop rates, watching the queue backlog, the domain events on Redis, the
// ingest ledger, /proc CPU, and PostgreSQL's row counters. Writes bench/results/throughput.{json,md}.
import { execFileSync, fork } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import IORedis from 'ioredis';
import pg from 'pg';
import {
  cpuMs,
  createDatabase,
  distExists,
  dropDatabase,
  freePort,
  postgresBackendsCpuMs,
  queueBacklog,
  randomSecret,
  redisCpuMs,
  rowsWritten,
  rssBytes,
  seedDevices,
  WardtrackProcess,
} from './throughput-stack.mjs';
import { latency, markdown, profileTopFrames, round, slopePerSec, TARGETS } from './throughput-report.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const { values: opt } = parseArgs({
  options: {
    rates: { type: 'string', default: '5000,10000,25000,50000,100000,150000' },
    'step-seconds': { type: 'string', default: '15' },
    'warmup-seconds': { type: 'string', default: '3' },
    tags: { type: 'string', default: '10000' },
    'tag-sweep': { type: 'string', default: '1000,100000' },
    'sweep-rate': { type: 'string', default: '10000' },
    'event-rate': { type: 'string', default: '10000' },
    apis: { type: 'string', default: '1' },
    workers: { type: 'string', default: '1' },
    readers: { type: 'string', default: '240' },
    gateways: { type: 'string', default: '80' },
    'batch-size': { type: 'string', default: '300' },
    'mover-share': { type: 'string', default: '0.1' },
    'ble-share': { type: 'string', default: '0.3' },
    'ble-hz': { type: 'string', default: '1' },
    'max-batch-interval-ms': { type: 'string', default: '0' },
    peer: { type: 'boolean', default: true },
    'no-peer': { type: 'boolean', default: false },
    'peer-rates': { type: 'string' },
    long: { type: 'boolean', default: false },
    profile: { type: 'boolean', default: false },
    'profile-dir': { type: 'string' },
    'keep-going': { type: 'boolean', default: false },
    dist: { type: 'string', default: process.env.WARDTRACK_DIST ?? join(root, 'dist/backend') },
    'postgres-url': {
      type: 'string',
      default: process.env.BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
    },
    'redis-url': { type: 'string', default: process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379' },
    out: { type: 'string', default: join(root, 'bench/results/throughput') },
    help: { type: 'boolean', default: false },
  },
});
if (opt.help) {
  console.log(`node bench/throughput.mjs [options]
  --rates 5000,10000,...     target reads/s steps (stops after the first step that is not sustained, unless --keep-going)
  --step-seconds 15          seconds per step (--long: 60), of which --warmup-seconds 3 are not measured
  --tags 10000               tags in the rate steps
  --tag-sweep 1000,100000    extra runs at --sweep-rate 10000 reads/s with these tag counts ("" to skip); the rate step at 10000 gives the --tags figure
  --event-rate 10000         the rate whose step gives the read-to-event and ack headline figures
  --apis 1 --workers 1       process counts (two apis: the load is round-robin over them)
  --readers 240 --gateways 80 --batch-size 300 --mover-share 0.1
  --ble-share 0.3            share of tags that are BLE beacons (tenths; 0 = RFID only)
  --ble-hz 1                 a beacon advertises at most this often, heard by each of its 3 gateways;
                             the RFID readers take the rest of the rate (0: reads shared by tag count alone)
  --max-batch-interval-ms 0  devices also post what they have after this long (0: only full batches)
  --no-peer                  skip the barnowl + barnacles peer; --peer-rates defaults to --rates
  --profile                  run the api and worker(s) under --cpu-prof and report their top frames
  --profile-dir dir          keep the .cpuprofile files there (default: a temporary directory, removed)
  --dist dir                 built backend (default dist/backend, or WARDTRACK_DIST)
  --postgres-url, --redis-url  (default the local servers)
  --out path                 results basename (default bench/results/throughput)`);
  process.exit(0);
}
const num = (k) => Number(opt[k]);
const list = (s) => (s ?? '').split(',').filter(Boolean).map(Number);
const config = {
  rates: list(opt.rates),
  stepSeconds: opt.long ? 60 : num('step-seconds'),
  warmupSeconds: num('warmup-seconds'),
  tags: num('tags'),
  tagSweep: list(opt['tag-sweep']),
  sweepRate: num('sweep-rate'),
  eventRate: num('event-rate'),
  apis: num('apis'),
  workers: num('workers'),
  readers: num('readers'),
  gateways: num('gateways'),
  batchSize: num('batch-size'),
  moverShare: num('mover-share'),
  bleShare: num('ble-share'),
  bleHz: num('ble-hz'),
  maxBatchIntervalMs: num('max-batch-interval-ms'),
  peer: opt.peer && !opt['no-peer'],
  peerRates: list(opt['peer-rates'] ?? opt.rates),
  profile: opt.profile,
};
opt.dist = resolve(opt.dist);
if (!distExists(opt.dist)) {
  console.error(`No built backend at ${opt.dist}: run \`npm run bench:throughput\` (it builds first) or pass --dist.`);
  process.exit(1);
}

const runId = `${Date.now().toString(36)}${Math.floor(Math.random() * 1296).toString(36)}`;
const database = `wardtrack_bench_${runId}`;
const prefix = `wtbench-${runId}`;
const databaseUrl = (() => {
  const u = new URL(opt['postgres-url']);
  u.pathname = `/${database}`;
  return u.toString();
})();
const metricsToken = randomSecret();
// Tags move on one clock for the whole run, whichever load generator is running.
const epochMs = Date.now();
const scratch = mkdtempSync(join(tmpdir(), 'wardtrack-throughput-'));
const profileDir = (role) => join(opt['profile-dir'] ? resolve(opt['profile-dir']) : scratch, `profiles-${role}`);
const log = (...a) => console.log(`[throughput ${new Date().toISOString().slice(11, 19)}]`, ...a);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const procs = [];
let db;
let redis;
let subscriber;
let peer;
let databaseCreated = false;

async function cleanup() {
  await Promise.allSettled(procs.map((p) => p.stop()));
  peer?.kill('SIGTERM');
  subscriber?.disconnect();
  if (redis) {
    // The bench's queue keys go with it.
    try {
      let cursor = '0';
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
        cursor = next;
        if (keys.length > 0) await redis.del(...keys);
      } while (cursor !== '0');
    } catch {
      // Redis gone: nothing to tidy
    }
    redis.disconnect();
  }
  await db?.end().catch(() => undefined);
  if (databaseCreated)
    await dropDatabase(opt['postgres-url'], database).catch((e) => log('could not drop', database, e.message));
  rmSync(scratch, { recursive: true, force: true });
}
let interrupted = false;
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.once(sig, () => {
    interrupted = true;
    log(`${sig}: stopping and cleaning up`);
    void cleanup().finally(() => process.exit(130));
  });
}

// --- events subscriber ------------------------------------------------------------------------

/** Per measurement window: event latencies and the moves the load generator reported. */
const events = { window: null, total: 0, byType: {} };
function openEventWindow(fromMs) {
  events.window = {
    fromMs,
    readToEvent: [],
    publishToReceive: [],
    moveToEvent: [],
    rfid: [],
    count: 0,
    kinds: {},
    tags: new Set(),
    sample: [],
    pendingMoves: new Map(),
  };
}
function onEvent(e, receivedAt) {
  events.total++;
  events.byType[e.type] = (events.byType[e.type] ?? 0) + 1;
  const w = events.window;
  if (!w || typeof e.batchReceivedAt !== 'number' || e.batchReceivedAt < w.fromMs) return;
  w.count++;
  const kind = `${e.type}${e.fix?.tech ? ` ${e.fix.tech}` : ''}`;
  w.kinds[kind] = (w.kinds[kind] ?? 0) + 1;
  w.tags.add(e.tagId);
  if (w.sample.length < 3) w.sample.push(e);
  const ms = receivedAt - e.batchReceivedAt;
  w.readToEvent.push(ms);
  if (e.fix?.tech === 'rfid') w.rfid.push(ms);
  if (typeof e.publishedAt === 'number') w.publishToReceive.push(receivedAt - e.publishedAt);
  if (e.type === 'LocationChanged') {
    const movedAt = w.pendingMoves.get(e.tagId);
    if (movedAt !== undefined && receivedAt >= movedAt) {
      w.moveToEvent.push(receivedAt - movedAt);
      w.pendingMoves.delete(e.tagId);
    }
  }
}

// --- load generator ---------------------------------------------------------------------------

/** Runs one load generator to its end; onMeasuring / onEnded mark its measured window. */
async function runLoad({
  mode,
  rate,
  tags,
  seconds,
  warmupSeconds,
  targets,
  udpPort,
  world,
  onMeasuring,
  onEnded,
  prime = false,
}) {
  const file = join(scratch, `load-${mode}-${rate}-${tags}-${Date.now()}.json`);
  writeFileSync(
    file,
    JSON.stringify({
      mode,
      targets,
      udpPort,
      devices: world.devices.map((d) => ({
        kind: d.kind,
        floorId: d.floorId,
        x: d.x,
        y: d.y,
        antennas: d.antennas,
        key: d.key,
      })),
      zones: world.zones,
      tags,
      seed: 42,
      rate,
      durationS: seconds,
      warmupS: warmupSeconds,
      batchSize: config.batchSize,
      moverShare: config.moverShare,
      bleShare: config.bleShare,
      bleHz: config.bleHz,
      maxBatchIntervalMs: config.maxBatchIntervalMs,
      runId: `${runId}-${mode}-${rate}-${tags}-${Date.now().toString(36)}`,
      prime,
      epochMs,
    }),
  );
  const child = fork(join(root, 'bench/throughput-load.mjs'), [file], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  let stats = null;
  const marks = [];
  child.on('message', (m) => {
    if (m.type === 'moves' && events.window)
      for (const [tagId, at] of m.items) events.window.pendingMoves.set(tagId, at);
    if (m.type === 'measuring' && onMeasuring) marks.push(onMeasuring(m.at));
    if (m.type === 'ended' && onEnded) marks.push(onEnded(m.at));
    if (m.type === 'done') stats = m.stats;
  });
  await new Promise((done) => child.on('exit', done));
  await Promise.all(marks);
  if (!stats) throw new Error(`load generator (${mode}, ${rate} reads/s) ended without a report`);
  return { stats };
}

// --- one measured step against Wardtrack --------------------------------------------------------

async function probe() {
  const api = procs.filter((p) => p.role === 'api').reduce((a, p) => a + (cpuMs(p.pid) ?? 0), 0);
  const worker = procs.filter((p) => p.role === 'worker').reduce((a, p) => a + (cpuMs(p.pid) ?? 0), 0);
  return {
    at: Date.now(),
    api,
    worker,
    postgres: await postgresBackendsCpuMs(db, database),
    redis: await redisCpuMs(redis),
    rows: await rowsWritten(db, database),
  };
}

function pgDelta(a, b) {
  let ms = 0;
  for (const [pid, v] of b.postgres) ms += v - (a.postgres.get(pid) ?? 0);
  return ms;
}

async function ledger(fromMs, toMs) {
  const { rows } = await db.query(
    `SELECT count(*)::int AS jobs, coalesce(sum(read_count), 0)::bigint AS reads,
            percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM processed_at - received_at) * 1000) AS p50,
            percentile_cont(0.99) WITHIN GROUP (ORDER BY extract(epoch FROM processed_at - received_at) * 1000) AS p99,
            max(extract(epoch FROM processed_at - received_at) * 1000) AS max
     FROM ingest_batch WHERE received_at >= to_timestamp($1 / 1000.0) AND received_at < to_timestamp($2 / 1000.0)`,
    [fromMs, toMs],
  );
  const r = rows[0];
  if (r.jobs === 0) return null;
  return {
    jobs: r.jobs,
    reads: Number(r.reads),
    p50: round(Number(r.p50)),
    p99: round(Number(r.p99)),
    max: round(Number(r.max)),
  };
}

async function processedReads(fromMs, toMs) {
  const { rows } = await db.query(
    `SELECT coalesce(sum(read_count), 0)::bigint AS reads FROM ingest_batch
     WHERE processed_at >= to_timestamp($1 / 1000.0) AND processed_at < to_timestamp($2 / 1000.0)`,
    [fromMs, toMs],
  );
  return Number(rows[0].reads);
}

async function waitDrained(maxMs) {
  const start = Date.now();
  while (Date.now() - start < maxMs) {
    if ((await queueBacklog(redis, prefix)) === 0) return Date.now() - start;
    await sleep(250);
  }
  return null;
}

async function wardtrackStep(world, { rate, tags, seconds, warmup = config.warmupSeconds }) {
  const apis = procs.filter((p) => p.role === 'api').map((p) => p.url);
  const backlog = [];
  let measureFrom = null;
  let measureTo = null;
  let before = null;
  let backlogEnd = null;
  const sampler = setInterval(async () => {
    const b = await queueBacklog(redis, prefix).catch(() => null);
    if (b !== null && measureFrom !== null && measureTo === null) backlog.push([Date.now() - measureFrom, b]);
  }, 500);
  const load = await runLoad({
    mode: 'http',
    rate,
    tags,
    seconds,
    warmupSeconds: warmup,
    targets: apis,
    world,
    onMeasuring: async (at) => {
      measureFrom = at;
      openEventWindow(at);
      before = await probe();
    },
    onEnded: async (at) => {
      measureTo = at;
      backlogEnd = await queueBacklog(redis, prefix);
    },
  });
  if (!before || measureTo === null)
    throw new Error(`step at ${rate} reads/s: the load generator never reached its measured window`);
  const after = await probe();
  clearInterval(sampler);
  const w = events.window;
  events.window = null;
  const drainMs = await waitDrained(Math.max(10_000, seconds * 1000));
  const m = load.stats.measured;
  const measuredS = load.stats.measuredS;
  const apiReads = m.accepted;
  const workerReads = await processedReads(measureFrom, after.at);
  const totalStatus = Object.values(m.byStatus).reduce((a, b) => a + b, 0) + m.errors;
  const slope = slopePerSec(backlog);
  const batchRate = rate / config.batchSize;
  const why = [];
  const acceptedShare = totalStatus === 0 ? null : (m.byStatus[202] ?? 0) / totalStatus;
  if (acceptedShare === null || acceptedShare < 0.995) why.push(`202 share ${round((acceptedShare ?? 0) * 100, 2)}%`);
  if (m.reads / measuredS < 0.95 * rate)
    why.push(`load generator sent only ${Math.round(m.reads / measuredS)} reads/s`);
  if (slope * measuredS > Math.max(20, batchRate)) why.push(`backlog grew ${round(slope, 1)} jobs/s`);
  if (backlogEnd > Math.max(50, 2 * batchRate)) why.push(`backlog ${backlogEnd} at the end`);
  if (drainMs === null) why.push('backlog did not drain');
  // Open loop: an api that cannot keep up shows as answers arriving ever later, not as a backlog.
  if ((latency(m.ackMs)?.p99 ?? Infinity) > 1000)
    why.push(`ack p99 ${round(latency(m.ackMs)?.p99 ?? NaN)} ms (requests queue in front of the api)`);
  const perRead = (ms, reads) => (reads > 0 && ms !== null ? round((ms * 1000) / reads, 2) : null);
  const ledgerFigures = await ledger(measureFrom, measureTo);
  return {
    targetRate: rate,
    tags,
    seconds: measuredS,
    sentReadsPerSec: Math.round(m.reads / measuredS),
    acceptedReadsPerSec: Math.round(apiReads / measuredS),
    processedReadsPerSec: Math.round(workerReads / ((after.at - measureFrom) / 1000)),
    acceptedShare,
    statuses: m.byStatus,
    transportErrors: m.errors,
    unanswered: load.stats.unanswered,
    ackMs: latency(m.ackMs),
    backlog: { slopePerSec: round(slope, 2), end: backlogEnd, max: Math.max(0, ...backlog.map(([, b]) => b)), drainMs },
    readToEventMs: latency(w?.readToEvent),
    readToEventRfidMs: latency(w?.rfid),
    publishToReceiveMs: latency(w?.publishToReceive),
    firstEvidenceToEventMs: latency(w?.moveToEvent),
    events: w?.count ?? 0,
    eventsByKind: w?.kinds ?? {},
    eventTags: w?.tags.size ?? 0,
    eventSample: w?.sample ?? [],
    movesReported: load.stats.moves,
    readToLocatedMs: ledgerFigures,
    cpuUsPerRead: {
      api: perRead(after.api - before.api, apiReads),
      worker: perRead(after.worker - before.worker, workerReads),
      app: perRead(after.api - before.api + after.worker - before.worker, apiReads),
      postgres: perRead(pgDelta(before, after), workerReads),
      redis: perRead(after.redis - before.redis, apiReads),
      loadGenerator: perRead(m.cpuMs ?? null, m.reads),
    },
    dbRowsPerRead: workerReads > 0 ? round((after.rows - before.rows) / workerReads, 4) : null,
    worker: await workerMemory(),
    sustained: why.length === 0,
    why,
  };
}

async function workerMemory() {
  const workers = procs.filter((p) => p.role === 'worker');
  const rss = workers.reduce((a, p) => a + (rssBytes(p.pid) ?? 0), 0);
  const heaps = await Promise.all(workers.map((p) => p.heapUsedBytes(metricsToken)));
  const heap = heaps.every((h) => h !== null) ? heaps.reduce((a, b) => a + b, 0) : null;
  return { rssMiB: round(rss / 2 ** 20), heapUsedMiB: heap === null ? null : round(heap / 2 ** 20) };
}

/**
 * A tag count new to the system first costs one first fix (and its event and stay) per tag:
 * every device posts every tag it hears once, and the backlog is drained, before anything is measured.
 */
async function prime(world, tags) {
  log(`priming: every device posts each of ${tags} tags once, then drain (not measured)`);
  const apis = procs.filter((p) => p.role === 'api').map((p) => p.url);
  const started = Date.now();
  await runLoad({ mode: 'http', rate: 0, tags, seconds: 0, warmupSeconds: 0, targets: apis, world, prime: true });
  const sentMs = Date.now() - started;
  const drained = await waitDrained(PRIME_DRAIN_MS);
  result.wardtrack.priming.push({ tags, sentMs, drainMs: drained });
  if (drained === null) log(`  backlog not drained after ${PRIME_DRAIN_MS / 1000} s; measuring anyway`);
  else log(`  sent in ${round(sentMs / 1000, 1)} s, drained ${round(drained / 1000, 1)} s later`);
}
const PRIME_DRAIN_MS = 60_000;

// --- the peer ---------------------------------------------------------------------------------

async function startPeer() {
  const port = await freePort();
  const child = fork(join(root, 'bench/peer-barnowl.mjs'), [String(port)], {
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  await new Promise((done, fail) => {
    child.once('message', (m) => (m.type === 'ready' ? done() : fail(new Error('peer did not start'))));
    child.once('exit', () => fail(new Error('peer exited')));
  });
  const ask = (type) =>
    new Promise((done) => {
      if (type === 'reset') {
        child.send({ type });
        return done(null);
      }
      child.once('message', (m) => done(m.report));
      child.send({ type });
    });
  return { child, port, ask };
}

async function peerStep(world, p, { rate, tags, seconds }) {
  const warmup = config.warmupSeconds;
  let cpuBefore = null;
  const load = await runLoad({
    mode: 'udp',
    rate,
    tags,
    seconds,
    warmupSeconds: warmup,
    udpPort: p.port,
    world,
    onMeasuring: () => {
      void p.ask('reset');
      cpuBefore = cpuMs(p.child.pid);
    },
  });
  // barnacles decides on events up to about a second after a decoding (its delayMilliseconds).
  await sleep(1500);
  const report = await p.ask('report');
  const cpuAfter = cpuMs(p.child.pid);
  const sent = load.stats.measured.reads;
  const why = [];
  const receivedShare = sent === 0 ? 0 : report.decodings / sent;
  if (receivedShare < 0.99) why.push(`received ${round(receivedShare * 100, 1)}% of the datagrams`);
  if (report.eventLoopLagMs.p99 > 1000) why.push(`event loop lag p99 ${round(report.eventLoopLagMs.p99)} ms`);
  if (sent / load.stats.measuredS < 0.95 * rate)
    why.push(`load generator sent only ${Math.round(sent / load.stats.measuredS)} reads/s`);
  return {
    targetRate: rate,
    tags,
    sentReadsPerSec: Math.round(sent / load.stats.measuredS),
    receivedShare,
    events: Object.values(report.events).reduce((a, b) => a + b, 0),
    eventsByType: report.events,
    displacements: report.events.DISPLACEMENT ?? 0,
    readToEventMs: latency(report.displacementMs),
    cpuUsPerRead:
      report.decodings > 0 && cpuBefore !== null ? round(((cpuAfter - cpuBefore) * 1000) / report.decodings, 2) : null,
    loadGeneratorCpuUsPerRead: load.stats.measured.cpuMs ? round((load.stats.measured.cpuMs * 1000) / sent, 2) : null,
    eventLoopLagP99Ms: round(report.eventLoopLagMs.p99),
    rssMiB: round(report.rssBytes / 2 ** 20),
    heapUsedMiB: round(report.heapUsedBytes / 2 ** 20),
    sustained: why.length === 0,
    why,
  };
}

/** The commit the backend was built from, and whether the working tree had uncommitted changes. */
function gitSource() {
  try {
    const git = (...args) => execFileSync('git', args, { cwd: root, encoding: 'utf8' }).trim();
    const changed = git('status', '--porcelain', '--untracked-files=no', '--', 'backend')
      .split('\n')
      .filter(Boolean).length;
    return { commit: git('rev-parse', '--short', 'HEAD'), uncommittedBackendFiles: changed };
  } catch {
    return null;
  }
}

// --- main -------------------------------------------------------------------------------------

const result = {
  benchmark: 'throughput: Wardtrack vs barnowl + barnacles',
  date: new Date().toISOString(),
  command: `node bench/throughput.mjs ${process.argv.slice(2).join(' ')}`.trim(),
  machine: {
    cpus: cpus().length,
    model: cpus()[0]?.model,
    node: process.version,
    loadavg: loadavg().map((x) => round(x, 2)),
  },
  source: gitSource(),
  config,
  wardtrack: { priming: [], steps: [], tagSweep: [] },
  peer: null,
  notes: {
    shared:
      loadavg()[0] > 1
        ? 'the machine was busy when the run started (load average above 1): other work shares the 2 cores with PostgreSQL, Redis, the load generator and the system under test; re-run on a quiet machine before quoting.'
        : null,
    onOneMachine:
      'PostgreSQL, Redis, the load generator and the system under test all share the same 2 cores, so each takes CPU from the others.',
    method: [
      'Open loop: the load generator (its own process; its CPU is reported apart) makes batches due at the target rate whatever the answers; ack latency is measured from when a batch was due, so a stalled server is not hidden (no coordinated omission).',
      'Before the rate steps and before each tag count of the sweep, every tag is heard once and the backlog drained (first fixes are a one-off cost per tag, not measured). Each step starts a fresh load generator with the same seed (same tags, same placement); the first seconds of a step (--warmup-seconds) are not measured.',
      'Sustained = at least 99.5% of batches answered 202, the generator kept up (>= 90% of the target: batches fall due per device, so short steps at low rates vary by a few percent), the queue backlog (BullMQ wait + active + delayed + prioritized jobs under the bench prefix, sampled every 500 ms) grew by less than one second of batches over the step, and it drained afterwards.',
      'Read-to-event = time the subscriber on the Redis events channel receives a domain event minus its batchReceivedAt (ingest acceptance of the batch that caused it); "n/a" until the worker publishes events. First-evidence-to-event (in the JSON) is from the moment a moved tag\'s first read at its new place was due to the LocationChanged event, so it includes the engine\'s dwell/hysteresis.',
      "Read-to-located = ingest_batch.processed_at - received_at (the ledger; processed_at is the start of the worker's transaction).",
      'CPU per read = utime + stime from /proc/<pid>/stat over the measured window, api over reads accepted, worker over reads processed (ledger); PostgreSQL = the backends serving the bench database; Redis = INFO cpu of the shared server.',
      'Database rows per read = pg_stat_database tup_inserted + tup_updated + tup_deleted of the bench database over reads processed (statistics are flushed about once a second, so step figures are approximate).',
      "Worker heap: nodejs_heap_size_used_bytes from the worker's /api/v1/metrics (scraped with METRICS_TOKEN) when it exposes prom-client metrics, otherwise the worker's RSS, without a forced GC; per 10,000 tags = the increase from the fewest to the most tags held (the worker keeps the tags of earlier steps: tag sets are nested). The peer gets a fresh process per tag count.",
      "Peer: barnowl 1.3.3 (UdpListener on 127.0.0.1, enableMixing) + barnacles 1.8.1 (defaults: delayMilliseconds 1000) in their own process; each read is one raddec datagram (EPC-96 or EUI-48 transmitter, EUI-64 receiver per reader antenna or gateway), no timestamp (barnowl stamps arrival); sustained = >= 99% of datagrams received and event-loop lag p99 < 1 s. Its read-to-event = first decoding by the new strongest receiver to barnacles' DISPLACEMENT event, RFID tags only. It stores nothing.",
    ],
  },
};

try {
  log(`run ${runId}: database ${database}, queue prefix ${prefix}`);
  redis = new IORedis(opt['redis-url'], { maxRetriesPerRequest: 3 });
  await createDatabase(opt['postgres-url'], database);
  databaseCreated = true;
  const env = {
    DATABASE_URL: databaseUrl,
    REDIS_URL: opt['redis-url'],
    QUEUE_PREFIX: prefix,
    AUTH_TOKEN_SECRET: randomSecret(),
    METRICS_TOKEN: metricsToken,
    LOG_LEVEL: 'warn',
    DEMO_SIMULATOR: 'false',
    FLOORPLANS_DIR: join(root, 'floorplans'),
    MQTT_URL: '',
  };
  const profileArgs = config.profile ? ['--cpu-prof', `--cpu-prof-dir=${profileDir('api')}`] : [];
  const workerProfileArgs = config.profile ? ['--cpu-prof', `--cpu-prof-dir=${profileDir('worker')}`] : [];
  // The first api migrates the database and imports the demo hospital; the others start after it.
  const first = new WardtrackProcess({
    dist: opt.dist,
    role: 'api',
    port: await freePort(),
    env,
    nodeArgs: profileArgs,
    name: 'api-1',
  });
  procs.push(first);
  await first.waitHealthy();
  for (let i = 2; i <= config.apis; i++) {
    procs.push(
      new WardtrackProcess({
        dist: opt.dist,
        role: 'api',
        port: await freePort(),
        env,
        nodeArgs: profileArgs,
        name: `api-${i}`,
      }),
    );
  }
  for (let i = 1; i <= config.workers; i++) {
    procs.push(
      new WardtrackProcess({
        dist: opt.dist,
        role: 'worker',
        port: await freePort(),
        env,
        nodeArgs: workerProfileArgs,
        name: `worker-${i}`,
      }),
    );
  }
  await Promise.all(procs.map((p) => p.waitHealthy()));
  log(`started ${procs.map((p) => `${p.name} (pid ${p.pid})`).join(', ')}`);

  db = new pg.Client({ connectionString: databaseUrl });
  await db.connect();
  const world = await seedDevices(db, opt.dist, { readers: config.readers, gateways: config.gateways, runId });
  log(`registered ${config.readers} readers and ${config.gateways} gateways on ${world.zones.length} zones`);

  let channel = `${prefix}:events`;
  try {
    channel = createRequire(import.meta.url)(join(opt.dist, 'events/events.contract.js')).eventsChannel(prefix);
  } catch {
    // older builds without the events contract: the documented default name
  }
  subscriber = new IORedis(opt['redis-url']);
  await subscriber.subscribe(channel);
  subscriber.on('message', (_channel, message) => {
    const at = Date.now();
    try {
      const parsed = JSON.parse(message);
      for (const e of Array.isArray(parsed) ? parsed : (parsed.events ?? [parsed])) onEvent(e, at);
    } catch {
      // not an event payload
    }
  });

  // Give the worker(s) time to take their partitions before load starts.
  await sleep(3000);
  await prime(world, config.tags);
  for (const rate of config.rates) {
    if (interrupted) break;
    log(`wardtrack: ${rate} reads/s, ${config.tags} tags, ${config.stepSeconds} s`);
    const step = await wardtrackStep(world, { rate, tags: config.tags, seconds: config.stepSeconds });
    result.wardtrack.steps.push(step);
    log(
      `  sent ${step.sentReadsPerSec}/s, 202 ${round((step.acceptedShare ?? 0) * 100, 2)}%, ack p99 ${step.ackMs?.p99} ms, backlog slope ${step.backlog.slopePerSec}/s end ${step.backlog.end}, events ${step.events}, app CPU ${step.cpuUsPerRead.app} us/read, ${step.sustained ? 'sustained' : `NOT sustained: ${step.why.join('; ')}`}`,
    );
    // The headline latencies are taken at --event-rate: the steps go at least that far.
    if (!step.sustained && !opt['keep-going'] && rate >= config.eventRate) break;
  }
  let trackedSoFar = config.tags;
  for (const tags of config.tagSweep) {
    if (interrupted) break;
    await prime(world, tags);
    log(`wardtrack: ${tags} tags at ${config.sweepRate} reads/s, ${config.stepSeconds} s`);
    const step = await wardtrackStep(world, { rate: config.sweepRate, tags, seconds: config.stepSeconds });
    // Tag sets are nested (the first n tags): the worker keeps the tags of earlier steps.
    trackedSoFar = Math.max(trackedSoFar, tags);
    step.trackedTags = trackedSoFar;
    result.wardtrack.tagSweep.push(step);
    log(
      `  app CPU ${step.cpuUsPerRead.app} us/read, worker RSS ${step.worker.rssMiB} MiB heap ${step.worker.heapUsedMiB ?? 'n/a'} MiB`,
    );
  }
  const atEventRate = result.wardtrack.steps.find((s) => s.targetRate === config.eventRate);
  if (atEventRate && !result.wardtrack.tagSweep.some((s) => s.tags === config.tags)) {
    result.wardtrack.tagSweep.push({ ...atEventRate, trackedTags: config.tags, fromRateStep: true });
  }
  result.wardtrack.tagSweep.sort((a, b) => a.tags - b.tags);

  await Promise.all(procs.map((p) => p.stop()));
  if (config.profile) {
    result.wardtrack.profile = profileTopFrames(profileDir('api'));
    result.wardtrack.workerProfile = profileTopFrames(profileDir('worker'));
  }

  if (config.peer && !interrupted) {
    peer = await startPeer();
    result.peer = { steps: [], tagSweep: [] };
    for (const rate of config.peerRates) {
      if (interrupted) break;
      log(`peer: ${rate} reads/s, ${config.tags} tags, ${config.stepSeconds} s`);
      const step = await peerStep(world, peer, { rate, tags: config.tags, seconds: config.stepSeconds });
      result.peer.steps.push(step);
      log(
        `  sent ${step.sentReadsPerSec}/s, received ${round(step.receivedShare * 100, 2)}%, displacement p99 ${step.readToEventMs?.p99} ms, CPU ${step.cpuUsPerRead} us/read, ${step.sustained ? 'sustained' : `NOT sustained: ${step.why.join('; ')}`}`,
      );
      if (!step.sustained && !opt['keep-going']) break;
    }
    // A fresh peer per tag count, so its heap holds only those tags.
    const peerSweep = [...new Set([...config.tagSweep, config.tags])].sort((a, b) => a - b);
    for (const tags of config.tagSweep.length > 0 ? peerSweep : []) {
      if (interrupted) break;
      peer.child.kill('SIGTERM');
      peer = await startPeer();
      log(`peer: ${tags} tags at ${config.sweepRate} reads/s, ${config.stepSeconds} s (fresh process)`);
      const step = await peerStep(world, peer, { rate: config.sweepRate, tags, seconds: config.stepSeconds });
      result.peer.tagSweep.push(step);
      log(`  CPU ${step.cpuUsPerRead} us/read, heap ${step.heapUsedMiB} MiB, RSS ${step.rssMiB} MiB`);
    }
    peer.child.kill('SIGTERM');
    peer = null;
  }

  // Headline figures.
  // The fastest sustained step (null: none was).
  const sustainedOf = (steps) =>
    (steps ?? []).filter((s) => s.sustained).reduce((m, s) => Math.max(m ?? 0, s.sentReadsPerSec), null);
  const w10 = result.wardtrack.steps.find((s) => s.targetRate === config.eventRate);
  const p10 = result.peer?.steps.find((s) => s.targetRate === config.eventRate);
  // Per-read costs from the fastest sustained step (or, when none was, the first step).
  const headlineStep = (steps) =>
    steps.filter((s) => s.sustained).sort((a, b) => b.targetRate - a.targetRate)[0] ?? steps[0];
  const cpuAt = (steps, pick) => {
    const step = headlineStep(steps);
    return step ? pick(step) : null;
  };
  const sweep = result.wardtrack.tagSweep.filter((s) => s.worker);
  // Memory growth between the fewest and the most tags held (trackedTags when the process keeps earlier ones).
  const perTenThousand = (steps, memOf) => {
    const held = (s) => s.trackedTags ?? s.tags;
    const sorted = [...steps].sort((a, b) => held(a) - held(b));
    if (sorted.length < 2 || held(sorted.at(-1)) <= held(sorted[0])) return null;
    return round(((memOf(sorted.at(-1)) - memOf(sorted[0])) * 10_000) / (held(sorted.at(-1)) - held(sorted[0])), 2);
  };
  const heapPer10k = perTenThousand(sweep, (s) => s.worker.heapUsedMiB ?? s.worker.rssMiB);
  const summary = {
    wardtrack: {
      sustainedReadsPerSec: sustainedOf(result.wardtrack.steps),
      readToEvent: w10?.readToEventMs ?? null,
      readToEventNote: w10?.readToEventMs
        ? null
        : events.total === 0
          ? 'n/a — no events received'
          : `n/a — no step at ${config.eventRate} reads/s`,
      readToLocated: w10?.readToLocatedMs ?? null,
      ack: w10?.ackMs ?? null,
      cpuUsPerRead: cpuAt(result.wardtrack.steps, (s) => s.cpuUsPerRead.app),
      cpuUsPerReadWithStores: cpuAt(result.wardtrack.steps, (s) =>
        round((s.cpuUsPerRead.app ?? 0) + (s.cpuUsPerRead.postgres ?? 0) + (s.cpuUsPerRead.redis ?? 0), 2),
      ),
      dbRowsPerReadPct: cpuAt(result.wardtrack.steps, (s) =>
        s.dbRowsPerRead === null ? null : round(s.dbRowsPerRead * 100, 2),
      ),
      heapPer10kTagsMiB: heapPer10k,
      perReadFiguresAt: headlineStep(result.wardtrack.steps)
        ? {
            rate: headlineStep(result.wardtrack.steps).targetRate,
            sustained: headlineStep(result.wardtrack.steps).sustained,
          }
        : null,
      heapSource: sweep.length
        ? sweep.every((s) => s.worker.heapUsedMiB !== null)
          ? 'heap from /metrics'
          : 'RSS'
        : null,
    },
    peer: result.peer
      ? {
          sustainedReadsPerSec: sustainedOf(result.peer.steps),
          readToEvent: p10?.readToEventMs ?? null,
          cpuUsPerRead: cpuAt(result.peer.steps, (s) => s.cpuUsPerRead),
          perReadFiguresAt: headlineStep(result.peer.steps)
            ? { rate: headlineStep(result.peer.steps).targetRate, sustained: headlineStep(result.peer.steps).sustained }
            : null,
          heapPer10kTagsMiB: perTenThousand(result.peer.tagSweep, (s) => s.heapUsedMiB),
        }
      : null,
  };
  summary.met = {
    sustained:
      summary.wardtrack.sustainedReadsPerSec === null
        ? null
        : summary.wardtrack.sustainedReadsPerSec >= TARGETS.sustainedReadsPerSec,
    readToEvent: summary.wardtrack.readToEvent ? summary.wardtrack.readToEvent.p99 <= TARGETS.readToEventP99Ms : null,
    ack: summary.wardtrack.ack ? summary.wardtrack.ack.p99 <= TARGETS.ackP99Ms : null,
    cpu: summary.wardtrack.cpuUsPerRead === null ? null : summary.wardtrack.cpuUsPerRead <= TARGETS.cpuUsPerRead,
    dbRows:
      summary.wardtrack.dbRowsPerReadPct === null
        ? null
        : summary.wardtrack.dbRowsPerReadPct <= TARGETS.dbRowsPerRead * 100,
  };
  const ratio = (a, b) => (a && b ? round(a / b, 2) : null);
  summary.ratio = summary.peer
    ? {
        sustained: ratio(summary.wardtrack.sustainedReadsPerSec, summary.peer.sustainedReadsPerSec),
        readToEventP99: ratio(summary.peer.readToEvent?.p99, summary.wardtrack.readToEvent?.p99),
        cpu: ratio(summary.peer.cpuUsPerRead, summary.wardtrack.cpuUsPerRead),
      }
    : null;
  result.summary = summary;
  result.targets = TARGETS;
  result.notes.ratios =
    'ratios are Wardtrack / peer for throughput, peer / Wardtrack for latency and CPU (above 1 = Wardtrack better)';

  mkdirSync(dirname(opt.out), { recursive: true });
  writeFileSync(`${opt.out}.json`, JSON.stringify(result, null, 2) + '\n');
  const md = markdown(result);
  writeFileSync(`${opt.out}.md`, md);
  console.log(md);
  console.log(`Wrote ${opt.out}.json and ${opt.out}.md`);
} catch (e) {
  console.error(e);
  for (const p of procs) console.error(`--- ${p.name} output ---\n${p.tail(40)}`);
  process.exitCode = 1;
} finally {
  await cleanup();
}
