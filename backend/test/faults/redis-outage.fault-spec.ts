import { LEASE_TTL_MS } from '../../src/queue/partition-leases';
import { type QueueProbe, summary, unaccounted } from './support/ledger';
import { type PostResult, ReaderLoad } from './support/load';
import { type RedisServer, sleep } from './support/processes';
import type { FaultSite } from './support/site';
import { FaultStack } from './support/stack';

const OUTAGE_MS = 4_000;

/**
 * Redis unavailable for a few seconds under load from 20 readers, two ways: hung (SIGSTOP: the
 * sockets stay open, nothing is answered) and shut down (connections refused, then restarted on
 * the same port from its append-only file). Ingest must refuse with 503 + Retry-After (never
 * hang, never 500), lose nothing it acknowledged, and resume by itself once Redis is back.
 */
describe('Redis unavailable under load', () => {
  let stack: FaultStack | undefined;
  let redis: RedisServer;
  let site: FaultSite;
  let probe: QueueProbe;
  let load: ReaderLoad | undefined;

  beforeAll(async () => {
    stack = await FaultStack.start({ readers: 20 });
    ({ redis, site, probe } = stack);
  }, 180_000);

  afterAll(async () => {
    await load?.stop().catch(() => undefined);
    await stack?.stop();
  }, 60_000);

  async function outage(
    kind: 'hung' | 'shut down',
    down: () => Promise<void>,
    up: () => Promise<void>,
    outageMs = OUTAGE_MS,
  ) {
    const pids = [site.api.pid, site.worker.pid];
    load = new ReaderLoad(site.api.url, site.readers);
    load.start();
    await load.acknowledgedMore(50);

    const downAt = Date.now();
    await down();
    await sleep(outageMs);
    const upAt = Date.now();
    await up();
    // Resumes by itself: batches are acknowledged again, with no process restarted.
    await load.acknowledgedMore(20, 60_000);
    const resumedAt = firstAfter(load.posts, upAt, 202);
    await sleep(2_000);
    await load.stop();

    const result = await stack!.reconciled(load.acknowledged);
    const drainedAt = Date.now();
    const failed = await probe.failed();
    const refused = load.posts.filter((p) => p.status !== 202);
    const duringOutage = load.posts.filter((p) => p.at >= downAt && p.at <= upAt + 100);
    const refusedDuring = duringOutage.filter((p) => p.status === 503);
    console.log(
      [
        `FAULT Redis ${kind} for ${upAt - downAt} ms:`,
        `  answers while down: ${JSON.stringify(load.statuses(downAt, upAt + 100))}; ` +
          `503 answered within ${percentile(
            refusedDuring.map((p) => p.ms),
            0.5,
          )} ms (p50), ` +
          `${percentile(
            refusedDuring.map((p) => p.ms),
            0.99,
          )} ms (p99), ${Math.max(0, ...refusedDuring.map((p) => p.ms))} ms (max)`,
        `  first 202 ${resumedAt === undefined ? 'never' : `${resumedAt - upAt} ms`} after Redis was back; ` +
          `ledger complete ${drainedAt - upAt} ms after Redis was back (readers stopped after ${resumedAt === undefined ? '?' : resumedAt + 2_000 - upAt} ms)`,
        `  acknowledged ${result.acknowledgedBatches} batches / ${result.acknowledgedReads} reads; ledger holds ` +
          `${result.countedReads} of them; ${result.otherRows} ledger rows of other batches; ` +
          `missing ${result.missing.length} ${JSON.stringify(result.missing.slice(0, 3))} (${result.settled}); miscounted ${result.wrongCount.length} ${JSON.stringify(result.wrongCount.slice(0, 3))}`,
        `  all answers: ${JSON.stringify(load.statuses())}; jobs failed for good: ${JSON.stringify(failed.slice(0, 5))}`,
      ].join('\n'),
    );
    if (unaccounted(result).length > 0) {
      console.log(site.logs(), JSON.stringify(await probe.describe(unaccounted(result)), null, 1));
    }

    expect(refusedDuring.length).toBeGreaterThan(0);
    // Every refusal is a 503 that says when to retry: no hang (reader timeout), no 500, no reset.
    expect(refused.filter((p) => p.status !== 503 || p.retryAfter === null)).toEqual([]);
    expect(resumedAt).toBeDefined();
    expect([site.api.pid, site.worker.pid]).toEqual(pids);
    expect(site.api.unexpectedExits + site.worker.unexpectedExits).toBe(0);
    expect(summary(result)).toEqual({ missing: 0, wrongCount: [] });
    expect(result.countedReads).toBe(result.acknowledgedReads);
    expect(failed).toEqual([]);
  }

  it(
    'answers 503 with Retry-After while Redis hangs (SIGSTOP), loses nothing acknowledged and resumes by itself',
    () =>
      outage(
        'hung',
        () => Promise.resolve(redis.pause()),
        () => Promise.resolve(redis.resume()),
      ),
    180_000,
  );

  it(
    'answers 503 with Retry-After while Redis is shut down, and resumes by itself once it restarts on its append-only file',
    () =>
      outage(
        'shut down',
        () => redis.shutdown(),
        () => redis.start(),
      ),
    180_000,
  );

  it(
    'takes its partitions back after Redis was down for longer than their leases, and loses nothing acknowledged',
    // The leases (LEASE_TTL_MS, 6 s) lapse while Redis is away: the worker sees them gone right
    // after Redis is back, stops its queue workers (whose close can hang just then) and takes the
    // partitions anew.
    () =>
      outage(
        'shut down',
        () => redis.shutdown(),
        () => redis.start(),
        LEASE_TTL_MS + 2_000,
      ),
    180_000,
  );
});

function firstAfter(posts: readonly PostResult[], after: number, status: number): number | undefined {
  return posts.find((p) => p.at > after && p.status === status)?.at;
}

function percentile(values: number[], q: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}
