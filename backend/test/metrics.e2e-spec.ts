import { randomBytes } from 'node:crypto';
import { SessionsService } from '../src/auth/sessions.service';
import { TokenService } from '../src/auth/token.service';
import { hashPassword } from '../src/auth/password';
import { eventually, TestApp } from './harness';

const METRICS_TOKEN = randomBytes(36).toString('base64url');
const scrape = { authorization: `Bearer ${METRICS_TOKEN}` };

/** One sample of the text exposition: metric name, labels, value. */
interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/**
 * A strict reader of the Prometheus text format (0.0.4): every line is a comment (# HELP / # TYPE),
 * blank, or `name{label="value",...} number`; anything else fails the test. NaN in any letter case,
 * as Prometheus reads it (prom-client writes `Nan` for an event-loop histogram with no samples yet).
 */
function parseExposition(text: string): Sample[] {
  const samples: Sample[] = [];
  const typed = new Set<string>();
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const type = /^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram|summary|untyped)$/.exec(line);
    if (type) {
      typed.add(type[1]);
      continue;
    }
    if (/^# HELP [a-zA-Z_:][a-zA-Z0-9_:]* /.test(line)) continue;
    const m =
      /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (-?(?:\d+(?:\.\d+)?(?:e[+-]?\d+)?|[Nn][Aa][Nn]|\+Inf|-Inf))$/.exec(
        line,
      );
    if (!m) throw new Error(`not a Prometheus exposition line: ${line}`);
    const labels: Record<string, string> = {};
    for (const pair of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g))
      labels[pair[1]] = pair[2];
    const family = m[1].replace(/_(bucket|sum|count)$/, '');
    if (!typed.has(m[1]) && !typed.has(family)) throw new Error(`sample without a # TYPE line: ${line}`);
    samples.push({ name: m[1], labels, value: Number(m[3]) });
  }
  return samples;
}

function value(samples: Sample[], name: string, labels: Record<string, string> = {}): number {
  const hit = samples.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  return hit?.value ?? 0;
}

async function metricsOf(sut: TestApp, headers: Record<string, string> = scrape): Promise<Sample[]> {
  const res = await sut.request('GET', '/api/v1/metrics', { headers });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  return parseExposition(res.text);
}

const read = (tagId: string, i = 0) => ({
  tagId,
  antenna: 1,
  rssi: -50 - i,
  seenAt: new Date(Date.now() - 1000 + i).toISOString(),
});

describe('Prometheus metrics', () => {
  describe('api and worker in one process', () => {
    let sut: TestApp;
    let apiKey: string;

    beforeAll(async () => {
      sut = await TestApp.start({
        env: {
          METRICS_TOKEN,
          INGEST_MAX_READS: '5',
          INGEST_RATE_PER_DEVICE: '1',
          INGEST_BURST_PER_DEVICE: '8',
        },
      });
      const { zones } = await sut.someFloor();
      apiKey = (await sut.registerReader([zones[0].id])).apiKey;
    });
    afterAll(() => sut.stop());

    it('is only for admins and the scrape token', async () => {
      expect((await sut.request('GET', '/api/v1/metrics')).status).toBe(401);
      expect((await sut.request('GET', '/api/v1/metrics', { headers: { authorization: 'Bearer nope' } })).status).toBe(
        401,
      );
      expect((await sut.request('GET', '/api/v1/metrics', { headers: { 'x-api-key': apiKey } })).status).toBe(401);
      expect((await sut.request('GET', '/api/v1/metrics', { token: await sut.signIn('nurse') })).status).toBe(403);
      expect((await sut.request('GET', '/api/v1/metrics', { token: await sut.signIn('biomed') })).status).toBe(403);
      expect((await sut.request('GET', '/api/v1/metrics', { token: await sut.signIn('admin') })).status).toBe(200);
      expect((await sut.request('GET', '/api/v1/metrics', { headers: scrape })).status).toBe(200);
      // The scrape token opens nothing else.
      expect((await sut.request('GET', '/api/v1/users', { headers: scrape })).status).toBe(401);
    });

    it('counts accepted reads, re-sends and every kind of refusal, and what the worker processed', async () => {
      const before = await metricsOf(sut);
      const post = (body: unknown, key = apiKey) =>
        sut.request('POST', '/api/v1/ingest/generic', { apiKey: key, body });
      const tag = `30340000000000000000${randomBytes(2).toString('hex').toUpperCase()}`;
      const good = { batchId: 'metrics-1', reads: [read(tag, 0), read(tag, 1), read(tag, 2)] };
      expect((await post(good)).status).toBe(202);
      expect((await post(good)).status).toBe(202); // the same batch again: a duplicate
      expect((await post({ reads: [{ ...read(tag), rssi: 99 }] })).status).toBe(400);
      expect((await post(good, 'wtd_not-a-real-key')).status).toBe(401);
      expect((await post({ reads: [0, 1, 2, 3, 4, 5].map((i) => read(tag, i)) })).status).toBe(413);
      const unsupported = await sut.request('POST', '/api/v1/ingest/generic', {
        apiKey,
        raw: '<reads/>',
        headers: { 'content-type': 'application/xml' },
      });
      expect(unsupported.status).toBe(415);
      let limited = 0;
      for (let i = 0; i < 20 && limited === 0; i++) {
        if ((await post({ batchId: `metrics-flood-${i}`, reads: [read(tag, 10 + i)] })).status === 429) limited++;
      }
      expect(limited).toBe(1);

      const after = await eventually(async () => {
        const m = await metricsOf(sut);
        return value(m, 'wardtrack_batch_reads_processed_total') >= 3 ? m : undefined;
      });
      const delta = (name: string, labels: Record<string, string> = {}) =>
        value(after, name, labels) - value(before, name, labels);
      expect(delta('wardtrack_ingest_batches_total', { format: 'generic', result: 'duplicate' })).toBe(1);
      // The good batch and the flood posts that got through before the 429 (one read each).
      const flooded = delta('wardtrack_ingest_batches_total', { format: 'generic', result: 'accepted' }) - 1;
      expect(flooded).toBeGreaterThanOrEqual(1);
      expect(delta('wardtrack_ingest_reads_total', { format: 'generic' })).toBe(3 + flooded);
      expect(delta('wardtrack_ingest_rejected_total', { reason: 'validation', status: '400' })).toBe(1);
      expect(delta('wardtrack_ingest_rejected_total', { reason: 'auth', status: '401' })).toBe(1);
      expect(delta('wardtrack_ingest_rejected_total', { reason: 'too_large', status: '413' })).toBe(1);
      expect(delta('wardtrack_ingest_rejected_total', { reason: 'unsupported_media_type', status: '415' })).toBe(1);
      expect(delta('wardtrack_ingest_rejected_total', { reason: 'rate_limited', status: '429' })).toBe(1);
      expect(value(after, 'wardtrack_batch_duration_seconds_count')).toBeGreaterThanOrEqual(1);
      expect(value(after, 'wardtrack_batch_duration_seconds_bucket', { le: '+Inf' })).toBe(
        value(after, 'wardtrack_batch_duration_seconds_count'),
      );
    });

    it('counts the location changes the engine publishes, by type', async () => {
      const before = value(await metricsOf(sut), 'wardtrack_location_changes_total', { type: 'LocationChanged' });
      const tag = `30340000000000000000${randomBytes(2).toString('hex').toUpperCase()}`;
      const { zones } = await sut.someFloor();
      const reader = await sut.registerReader([zones[2].id]);
      const posted = await sut.request('POST', '/api/v1/ingest/generic', {
        apiKey: reader.apiKey,
        body: {
          batchId: 'metrics-move',
          reads: [0, 1, 2, 3, 4].map((i) => ({
            tagId: tag,
            antenna: 1,
            rssi: -48,
            seenAt: new Date(Date.now() - 3000 + i * 400).toISOString(),
          })),
        },
      });
      expect(posted.status).toBe(202);
      const after = await eventually(async () => {
        const n = value(await metricsOf(sut), 'wardtrack_location_changes_total', { type: 'LocationChanged' });
        return n > before ? n : undefined;
      }, 20_000);
      expect(after).toBeGreaterThan(before);
    });

    it('reports the database pool, open alerts by kind, offline devices and the heap', async () => {
      await sut.query(
        `INSERT INTO alert (kind, subject_type, subject_id, subject_label, severity)
         VALUES ('low_battery', 'tag', 'AB01', 'Tag AB01', 'warning')`,
      );
      const { zones } = await sut.someFloor();
      const silent = await sut.registerReader([zones[1].id]);
      await sut.query(`UPDATE device SET last_seen_at = now() - interval '2 hours' WHERE id = $1`, [silent.id]);
      const m = await metricsOf(sut);
      expect(value(m, 'wardtrack_alerts_open', { kind: 'low_battery' })).toBe(1);
      expect(value(m, 'wardtrack_alerts_open', { kind: 'stock_out' })).toBe(0);
      expect(value(m, 'wardtrack_devices_offline')).toBe(1);
      expect(value(m, 'wardtrack_db_pool_connections', { state: 'total' })).toBeGreaterThanOrEqual(1);
      expect(m.some((s) => s.name === 'wardtrack_db_pool_connections' && s.labels.state === 'waiting')).toBe(true);
      expect(value(m, 'wardtrack_nodejs_heap_size_used_bytes')).toBeGreaterThan(1_000_000);
      expect(value(m, 'wardtrack_queue_backlog_batches', { role: 'all' })).toBeGreaterThanOrEqual(0);
    });
  });

  describe('an api process with no worker', () => {
    let sut: TestApp;

    beforeAll(async () => {
      sut = await TestApp.start({ role: 'api', env: { METRICS_TOKEN, INGEST_MAX_BACKLOG: '1' } });
    });
    afterAll(() => sut.stop());

    it('shows the queue filling up and ageing, and counts the 503 when the backlog is over the limit', async () => {
      const { zones } = await sut.someFloor();
      const { apiKey } = await sut.registerReader([zones[0].id]);
      const post = (i: number) =>
        sut.request('POST', '/api/v1/ingest/generic', {
          apiKey,
          body: { batchId: `backlog-${i}`, reads: [read('30340000000000000000B0B0', i)] },
        });
      expect((await post(1)).status).toBe(202);
      expect((await post(2)).status).toBe(202);
      // Ingest re-reads the backlog at most once a second.
      await new Promise((r) => setTimeout(r, 1100));
      const refused = await post(3);
      expect(refused.status).toBe(503);
      expect(refused.headers.get('retry-after')).toBeTruthy();
      const m = await metricsOf(sut);
      expect(value(m, 'wardtrack_queue_backlog_batches')).toBe(2);
      expect(value(m, 'wardtrack_queue_oldest_batch_age_seconds')).toBeGreaterThanOrEqual(1);
      expect(value(m, 'wardtrack_ingest_rejected_total', { reason: 'unavailable', status: '503' })).toBe(1);
      expect(value(m, 'wardtrack_ingest_reads_total', { format: 'generic' })).toBe(2);
    });
  });

  describe('a worker process', () => {
    let sut: TestApp;

    beforeAll(async () => {
      sut = await TestApp.start({ role: 'worker', env: { METRICS_TOKEN } });
    });
    afterAll(() => sut.stop());

    it('serves its own metrics behind the same access rule', async () => {
      expect((await sut.request('GET', '/api/v1/metrics')).status).toBe(401);
      expect((await sut.request('GET', '/api/v1/metrics', { headers: { authorization: 'Bearer nope' } })).status).toBe(
        401,
      );
      const m = await metricsOf(sut);
      expect(m.some((s) => s.name === 'wardtrack_batch_duration_seconds_count' && s.labels.role === 'worker')).toBe(
        true,
      );
      // An admin's token (signed with the shared secret, on a live session) works on the worker too; a nurse's does not.
      const person = async (role: 'admin' | 'nurse') => {
        const [{ id }] = await sut.query<{ id: string }>(
          `INSERT INTO app_user (email, display_name, role, password_hash) VALUES ($1, $1, $2, $3) RETURNING id`,
          [`${role}@worker.test`, role, await hashPassword(randomBytes(12).toString('hex'))],
        );
        const session = await sut.app.get(SessionsService).create(id, { ip: null, userAgent: null });
        return sut.app.get(TokenService).sign({
          type: 'user',
          id,
          email: `${role}@worker.test`,
          displayName: role,
          role,
          sessionId: session.sessionId,
        });
      };
      expect((await sut.request('GET', '/api/v1/metrics', { token: await person('admin') })).status).toBe(200);
      expect((await sut.request('GET', '/api/v1/metrics', { token: await person('nurse') })).status).toBe(403);
    });
  });
});
