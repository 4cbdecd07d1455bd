import {
  checkStays,
  type QueueProbe,
  type Reconciliation,
  type StayCheck,
  summary,
  unaccounted,
} from './support/ledger';
import { type PostResult, ReaderLoad } from './support/load';
import { type PrivatePostgres, sleep } from './support/processes';
import type { FaultSite } from './support/site';
import { FaultStack } from './support/stack';

const DOWN_MS = 3_000;

/**
 * PostgreSQL restarted (fast shutdown, 3 s down, start) under load from 20 readers, on a private
 * cluster (the shared server other suites use is never restarted). Ingest keeps acknowledging
 * (Redis is up) or refuses with 503; the worker's batches fail and are retried by BullMQ; in the
 * end every acknowledged read is in the ledger once and the stay history has no duplicates.
 */
describe('PostgreSQL restarted under load', () => {
  let stack: FaultStack | undefined;
  let postgres: PrivatePostgres;
  let site: FaultSite;
  let probe: QueueProbe;
  let load: ReaderLoad | undefined;

  beforeAll(async () => {
    // 20 readers under load, and one that first posts while PostgreSQL is down (its key is in no cache).
    stack = await FaultStack.start({ readers: 21, privatePostgres: true });
    ({ postgres, site, probe } = stack);
  }, 180_000);

  afterAll(async () => {
    await load?.stop().catch(() => undefined);
    await stack?.stop();
  }, 60_000);

  /** What one restart under load did; the tests below each judge one side of it. */
  let outcome: {
    pids: (number | undefined)[];
    result: Reconciliation;
    failed: { batchId: string; reason: string }[];
    stays: StayCheck;
    refused: PostResult[];
  };

  beforeAll(async () => {
    const pids = [site.api.pid, site.worker.pid];
    load = new ReaderLoad(site.api.url, site.readers.slice(0, 20));
    load.start();
    await load.acknowledgedMore(100);
    const newcomer = new ReaderLoad(site.api.url, site.readers.slice(20));

    const staysBefore = await checkStays(site.db);
    const downAt = Date.now();
    await postgres.stopFast();
    const stoppedAt = Date.now();
    newcomer.start();
    await sleep(DOWN_MS);
    await postgres.start();
    const upAt = Date.now();
    await load.acknowledgedMore(100, 60_000);
    await Promise.all([load.stop(), newcomer.stop()]);
    const stoppedLoadAt = Date.now();

    await site.reconnect();
    const acknowledged = new Map([...load.acknowledged, ...newcomer.acknowledged]);
    const result = await stack!.reconciled(acknowledged);
    const drainedAt = Date.now();
    const failed = await probe.failed();
    const stays = await checkStays(site.db);
    const refused = [...load.posts, ...newcomer.posts].filter((p) => p.status !== 202);
    outcome = { pids, result, failed, stays, refused };
    console.log(
      [
        `FAULT PostgreSQL fast shutdown (${stoppedAt - downAt} ms), down ${upAt - stoppedAt} ms including start-up:`,
        `  answers while down: ${JSON.stringify(load.statuses(downAt, upAt))}; all answers: ${JSON.stringify(load.statuses())}; ` +
          `the reader first heard while down: ${JSON.stringify(newcomer.statuses())}`,
        `  ledger complete ${drainedAt - upAt} ms after PostgreSQL was back (readers stopped after ${stoppedLoadAt - upAt} ms)`,
        `  acknowledged ${result.acknowledgedBatches} batches / ${result.acknowledgedReads} reads; ledger holds ` +
          `${result.countedReads} of them; ${result.otherRows} ledger rows of other batches; ` +
          `missing ${result.missing.length} ${JSON.stringify(result.missing.slice(0, 3))} (${result.settled}); miscounted ${result.wrongCount.length} ${JSON.stringify(result.wrongCount.slice(0, 3))}; jobs failed for good: ${JSON.stringify(failed.slice(0, 5))}`,
        stays.exists
          ? `  stays before the restart: ${staysBefore.stays}, overlapping pairs ${staysBefore.overlappingPairs}, duplicates ${staysBefore.duplicates}\n` +
            `  stays at the end: ${stays.stays}, tags with two open stays ${stays.tagsWithTwoOpenStays}, overlapping pairs ${stays.overlappingPairs}, duplicates ${stays.duplicates}` +
            (stays.overlapExample ? `; e.g. ${JSON.stringify(stays.overlapExample)}` : '')
          : '  stays: table tag_stay does not exist in this schema version; the stay checks are skipped',
      ].join('\n'),
    );
    if (unaccounted(result).length > 0 || refused.some((p) => p.status !== 503)) {
      console.log(site.logs(), JSON.stringify(await probe.describe(unaccounted(result)), null, 1));
    }
  }, 180_000);

  it('retries the batches it could not write: nothing acknowledged is lost, no batch is counted twice', () => {
    expect(outcome.pids).toEqual([site.api.pid, site.worker.pid]);
    expect(site.api.unexpectedExits + site.worker.unexpectedExits).toBe(0);
    expect(summary(outcome.result)).toEqual({ missing: 0, wrongCount: [] });
    expect(outcome.result.countedReads).toBe(outcome.result.acknowledgedReads);
    expect(outcome.failed).toEqual([]);
  });

  it('answers every post while PostgreSQL is down with 202 or 503 + Retry-After, never 500', () => {
    const wrong = outcome.refused.filter((p) => p.status !== 503 || p.retryAfter === null);
    expect({ refusedOtherwise: wrong.length, statuses: [...new Set(wrong.map((p) => p.status))] }).toEqual({
      refusedOtherwise: 0,
      statuses: [],
    });
  });

  it('leaves no tag with two open stays, no overlapping stays and no stay written twice', () => {
    if (!outcome.stays.exists) {
      console.log('tag_stay does not exist in this schema version: the stay checks are skipped');
      return;
    }
    const { tagsWithTwoOpenStays, overlappingPairs, duplicates } = outcome.stays;
    expect({ tagsWithTwoOpenStays, overlappingPairs, duplicates }).toEqual({
      tagsWithTwoOpenStays: 0,
      overlappingPairs: 0,
      duplicates: 0,
    });
  });
});
