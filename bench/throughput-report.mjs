// Figures and tables for the throughput benchmark: percentiles, the targets, the CPU profile
// summary and the markdown written to bench/results/throughput.md.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export const TARGETS = {
  sustainedReadsPerSec: 100_000,
  readToEventP99Ms: 250,
  ackP99Ms: 25,
  cpuUsPerRead: 10,
  dbRowsPerRead: 0.05,
};

export function pct(xs, p) {
  if (!xs || xs.length === 0) return null;
  const s = Float64Array.from(xs).sort();
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))];
}

export function latency(xs) {
  if (!xs || xs.length === 0) return null;
  return { n: xs.length, p50: round(pct(xs, 50)), p99: round(pct(xs, 99)), max: round(Math.max(...xs)) };
}

export function round(x, digits = 1) {
  if (x === null || x === undefined || !Number.isFinite(x)) return x ?? null;
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

/** Least-squares slope of backlog samples [tMs, jobs] in jobs per second. */
export function slopePerSec(samples) {
  if (samples.length < 3) return 0;
  const n = samples.length;
  const mt = samples.reduce((a, [t]) => a + t, 0) / n;
  const mb = samples.reduce((a, [, b]) => a + b, 0) / n;
  let num = 0;
  let den = 0;
  for (const [t, b] of samples) {
    num += (t - mt) * (b - mb);
    den += (t - mt) ** 2;
  }
  return den === 0 ? 0 : (num / den) * 1000;
}

/** Top functions by self time in the V8 .cpuprofile files of a directory. */
export function profileTopFrames(dir, top = 15) {
  let files;
  try {
    files = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'));
  } catch {
    return null;
  }
  const self = new Map();
  const inclusive = new Map();
  let totalUs = 0;
  const keyOf = (cf) => {
    const where = cf.url
      ? `${cf.url.replace(/^file:\/\//, '').replace(/^.*\/(node_modules|dist)\//, '$1/')}:${cf.lineNumber + 1}`
      : '';
    return `${cf.functionName || '(anonymous)'} ${where}`.trim();
  };
  for (const f of files) {
    const profile = JSON.parse(readFileSync(join(dir, f), 'utf8'));
    const byId = new Map(profile.nodes.map((n) => [n.id, n]));
    const parent = new Map();
    for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
    const deltas = profile.timeDeltas ?? [];
    for (let i = 0; i < profile.samples.length; i++) {
      const us = deltas[i + 1] ?? 0;
      const leaf = byId.get(profile.samples[i]);
      const key = keyOf(leaf.callFrame);
      self.set(key, (self.get(key) ?? 0) + us);
      totalUs += us;
      // Inclusive time: every function on the sampled stack, once per sample.
      const seen = new Set();
      for (let id = leaf.id; id !== undefined; id = parent.get(id)) {
        const k = keyOf(byId.get(id).callFrame);
        if (seen.has(k)) continue;
        seen.add(k);
        inclusive.set(k, (inclusive.get(k) ?? 0) + us);
      }
    }
  }
  const idle = new Set(['(idle)', '(program)', '(garbage collector)', '(root)']);
  const busyUs = [...self].filter(([k]) => !idle.has(k)).reduce((a, [, v]) => a + v, 0);
  const rows = (map, filter) =>
    [...map]
      .filter(([k]) => !idle.has(k) && filter(k))
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([frame, us]) => ({ frame, ms: round(us / 1000), shareOfBusy: round((100 * us) / Math.max(1, busyUs)) }));
  return {
    files: files.length,
    sampledMs: round(totalUs / 1000),
    busyMs: round(busyUs / 1000),
    gcMs: round((self.get('(garbage collector)') ?? 0) / 1000),
    topSelf: rows(self, () => true),
    // Where in the application and its libraries the time goes (callers included).
    topInclusive: rows(
      inclusive,
      (k) => /(dist\/backend|node_modules)\//.test(k) && !/processTicksAndRejections|runMicrotasks/.test(k),
    ),
  };
}

const fmt = (x, unit = '') =>
  x === null || x === undefined ? 'n/a' : `${typeof x === 'number' ? x.toLocaleString('en-US') : x}${unit}`;
const mark = (ok) => (ok === null || ok === undefined ? '' : ok ? ' ✓' : ' ✗');

export function markdown(r) {
  const L = [];
  const w = r.wardtrack;
  const p = r.peer;
  L.push(
    `# Throughput, Wardtrack vs the barnowl + barnacles peer (${r.date.slice(0, 10)}${r.notes.shared ? ', provisional' : ''})`,
  );
  L.push('');
  L.push(
    `${r.machine.cpus} cores (${r.machine.model}), Node ${r.machine.node}, PostgreSQL and Redis on loopback; ` +
      `${r.config.apis} api + ${r.config.workers} worker process(es); ${r.config.readers} RFID readers (4 antennas) + ` +
      `${r.config.gateways} BLE gateways; ${r.config.tags.toLocaleString('en-US')} tags (${Math.round(r.config.bleShare * 10)} in 10 BLE, heard by 3 gateways${r.config.bleHz > 0 ? `, advertising at most ${r.config.bleHz} Hz` : ''}; ` +
      `${Math.round(r.config.moverShare * 100)}% moving every 20-60 s); batches of ${r.config.batchSize} reads${r.config.maxBatchIntervalMs > 0 ? ` or whatever a device has after ${r.config.maxBatchIntervalMs} ms` : ''}; ` +
      `\`${r.command}\`. Load average at start: ${r.machine.loadavg.join(' ')}.` +
      (r.source
        ? ` Backend from commit ${r.source.commit}${r.source.uncommittedBackendFiles > 0 ? ` plus ${r.source.uncommittedBackendFiles} uncommitted backend files (work in progress)` : ''}.`
        : ''),
  );
  L.push('');
  L.push(r.notes.shared ? `**Provisional:** ${r.notes.shared}` : `Note: ${r.notes.onOneMachine}`);
  L.push('');
  L.push('## Summary against the targets');
  L.push('');
  L.push('| measure | target | Wardtrack | peer (barnowl + barnacles) | ratio |');
  L.push('| --- | --- | --- | --- | --- |');
  const s = r.summary;
  L.push(
    `| sustained reads/s, backlog flat, all 202 | >= ${fmt(TARGETS.sustainedReadsPerSec)} | ${s.wardtrack.sustainedReadsPerSec === null ? `none of the steps${mark(false)}` : `${fmt(s.wardtrack.sustainedReadsPerSec)}${mark(s.met.sustained)}`} | ${s.peer ? (s.peer.sustainedReadsPerSec === null ? 'none of the steps' : fmt(s.peer.sustainedReadsPerSec)) : 'n/a'} | ${fmt(s.ratio?.sustained, 'x')} |`,
  );
  L.push(
    `| read-to-event p50 / p99 at ${fmt(r.config.eventRate)} reads/s | p99 <= ${TARGETS.readToEventP99Ms} ms | ${s.wardtrack.readToEvent ? `${fmt(s.wardtrack.readToEvent.p50, ' ms')} / ${fmt(s.wardtrack.readToEvent.p99, ' ms')}${mark(s.met.readToEvent)}` : (s.wardtrack.readToEventNote ?? 'n/a')} | ${fmt(s.peer?.readToEvent?.p50, ' ms')} / ${fmt(s.peer?.readToEvent?.p99, ' ms')} | ${fmt(s.ratio?.readToEventP99, 'x')} |`,
  );
  L.push(
    `| read-to-located (ledger: processed - received) p50 / p99 | | ${fmt(s.wardtrack.readToLocated?.p50, ' ms')} / ${fmt(s.wardtrack.readToLocated?.p99, ' ms')} | | |`,
  );
  L.push(
    `| ingest ack p50 / p99 at ${fmt(r.config.eventRate)} reads/s | p99 <= ${TARGETS.ackP99Ms} ms | ${fmt(s.wardtrack.ack?.p50, ' ms')} / ${fmt(s.wardtrack.ack?.p99, ' ms')}${mark(s.met.ack)} | (UDP, no ack) | |`,
  );
  const at = (f) => (f ? ` (at ${fmt(f.rate)} reads/s${f.sustained ? '' : ', not sustained'})` : '');
  L.push(
    `| CPU per read, app processes (api + worker)${at(s.wardtrack.perReadFiguresAt)} | <= ${TARGETS.cpuUsPerRead} us | ${fmt(s.wardtrack.cpuUsPerRead, ' us')}${mark(s.met.cpu)} | ${fmt(s.peer?.cpuUsPerRead, ' us')} | ${fmt(s.ratio?.cpu, 'x')} |`,
  );
  L.push(
    `| CPU per read incl. PostgreSQL backends + Redis | | ${fmt(s.wardtrack.cpuUsPerReadWithStores, ' us')} | (no store) | |`,
  );
  L.push(
    `| database rows written per read | <= ${TARGETS.dbRowsPerRead * 100}% | ${fmt(s.wardtrack.dbRowsPerReadPct, '%')}${mark(s.met.dbRows)} | (none) | |`,
  );
  L.push(
    `| worker heap per 10,000 tracked tags | | ${fmt(s.wardtrack.heapPer10kTagsMiB, ' MiB')} (${s.wardtrack.heapSource ?? 'n/a'}) | ${fmt(s.peer?.heapPer10kTagsMiB, ' MiB')} | |`,
  );
  L.push('');
  L.push('## Wardtrack: rate steps');
  L.push('');
  L.push(
    '| target reads/s | sent reads/s | 202 share | ack p50 / p99 | backlog slope (jobs/s) / end | read-to-event p50 / p99 (n) | read-to-located p50 / p99 | api / worker CPU per read | + PG + Redis | DB rows / read | sustained |',
  );
  L.push('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const st of w.steps) {
    L.push(
      `| ${fmt(st.targetRate)} | ${fmt(st.sentReadsPerSec)} | ${fmt(st.acceptedShare === null ? null : round(st.acceptedShare * 100, 2), '%')} | ${fmt(st.ackMs?.p50)} / ${fmt(st.ackMs?.p99, ' ms')} | ${fmt(st.backlog.slopePerSec)} / ${fmt(st.backlog.end)} | ${fmt(st.readToEventMs?.p50)} / ${fmt(st.readToEventMs?.p99, ' ms')} (${fmt(st.readToEventMs?.n ?? 0)}) | ${fmt(st.readToLocatedMs?.p50)} / ${fmt(st.readToLocatedMs?.p99, ' ms')} | ${fmt(st.cpuUsPerRead.api)} / ${fmt(st.cpuUsPerRead.worker, ' us')} | ${fmt(st.cpuUsPerRead.postgres)} + ${fmt(st.cpuUsPerRead.redis, ' us')} | ${fmt(st.dbRowsPerRead === null ? null : round(st.dbRowsPerRead * 100, 2), '%')} | ${st.sustained ? 'yes' : `no (${st.why.join('; ')})`} |`,
    );
  }
  L.push('');
  if (w.priming?.length) {
    L.push(
      'Priming (every device posts each tag it hears once, then the backlog drains; not measured): ' +
        w.priming
          .map(
            (p) =>
              `${fmt(p.tags)} tags ${p.drainMs === null ? 'NOT drained within 60 s' : `sent in ${fmt(round(p.sentMs / 1000))} s, drained ${fmt(round(p.drainMs / 1000))} s later`}`,
          )
          .join('; ') +
        '.',
    );
    L.push('');
  }
  if (w.tagSweep?.length) {
    L.push(`## Wardtrack: 1,000 to 100,000 tags at ${fmt(r.config.sweepRate)} reads/s`);
    L.push('');
    L.push(
      '| tags (held by the worker) | sent reads/s | ack p99 | read-to-event p50 / p99 | read-to-located p99 | api + worker CPU per read | DB rows / read | worker RSS | worker heap | sustained |',
    );
    L.push('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
    for (const st of w.tagSweep) {
      L.push(
        `| ${fmt(st.tags)} (${fmt(st.trackedTags ?? st.tags)}) | ${fmt(st.sentReadsPerSec)} | ${fmt(st.ackMs?.p99, ' ms')} | ${fmt(st.readToEventMs?.p50)} / ${fmt(st.readToEventMs?.p99, ' ms')} | ${fmt(st.readToLocatedMs?.p99, ' ms')} | ${fmt(st.cpuUsPerRead.app, ' us')} | ${fmt(st.dbRowsPerRead === null ? null : round(st.dbRowsPerRead * 100, 2), '%')} | ${fmt(st.worker.rssMiB, ' MiB')} | ${fmt(st.worker.heapUsedMiB, ' MiB')} | ${st.sustained ? 'yes' : 'no'} |`,
      );
    }
    L.push('');
  }
  if (p?.steps?.length) {
    L.push('## Peer: barnowl 1.3.3 + barnacles 1.8.1, same reads as raddecs over UDP');
    L.push('');
    L.push(
      '| target reads/s | sent reads/s | received | events (displacement) | read-to-event p50 / p99 (RFID displacements) | CPU per read | event-loop lag p99 | RSS | sustained |',
    );
    L.push('| --- | --- | --- | --- | --- | --- | --- | --- | --- |');
    for (const st of p.steps) {
      L.push(
        `| ${fmt(st.targetRate)} | ${fmt(st.sentReadsPerSec)} | ${fmt(round(st.receivedShare * 100, 2), '%')} | ${fmt(st.events)} (${fmt(st.displacements)}) | ${fmt(st.readToEventMs?.p50)} / ${fmt(st.readToEventMs?.p99, ' ms')} | ${fmt(st.cpuUsPerRead, ' us')} | ${fmt(st.eventLoopLagP99Ms, ' ms')} | ${fmt(st.rssMiB, ' MiB')} | ${st.sustained ? 'yes' : `no (${st.why.join('; ')})`} |`,
      );
    }
    L.push('');
  }
  if (p?.tagSweep?.length) {
    L.push(`## Peer: 1,000 to 100,000 tags at ${fmt(r.config.sweepRate)} reads/s`);
    L.push('');
    L.push('| tags | sent reads/s | received | read-to-event p50 / p99 | CPU per read | heap | RSS | sustained |');
    L.push('| --- | --- | --- | --- | --- | --- | --- | --- |');
    for (const st of p.tagSweep) {
      L.push(
        `| ${fmt(st.tags)} | ${fmt(st.sentReadsPerSec)} | ${fmt(round(st.receivedShare * 100, 2), '%')} | ${fmt(st.readToEventMs?.p50)} / ${fmt(st.readToEventMs?.p99, ' ms')} | ${fmt(st.cpuUsPerRead, ' us')} | ${fmt(st.heapUsedMiB, ' MiB')} | ${fmt(st.rssMiB, ' MiB')} | ${st.sustained ? 'yes' : 'no'} |`,
      );
    }
    L.push('');
  }
  for (const [role, prof] of [
    ['api', w.profile],
    ['worker', w.workerProfile],
  ]) {
    if (!prof) continue;
    L.push(`## Where the ${role} spends its CPU (--cpu-prof, ${fmt(prof.busyMs)} ms busy, GC ${fmt(prof.gcMs)} ms)`);
    L.push('');
    L.push(`The profile covers the whole life of the ${role} process(es), start-up included.`);
    L.push('');
    L.push('| self ms | share of busy | frame (self time) |');
    L.push('| --- | --- | --- |');
    for (const f of prof.topSelf) L.push(`| ${fmt(f.ms)} | ${fmt(f.shareOfBusy, '%')} | \`${f.frame}\` |`);
    L.push('');
    L.push('| inclusive ms | share of busy | frame (with its callees; application and library code) |');
    L.push('| --- | --- | --- |');
    for (const f of prof.topInclusive) L.push(`| ${fmt(f.ms)} | ${fmt(f.shareOfBusy, '%')} | \`${f.frame}\` |`);
    L.push('');
  }
  L.push('## How it is measured');
  L.push('');
  for (const n of r.notes.method) L.push(`- ${n}`);
  L.push('');
  return L.join('\n');
}
