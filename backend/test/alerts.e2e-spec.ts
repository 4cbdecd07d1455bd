import type { AlertDto } from '@wardtrack/contracts';
import { AlertEvaluatorService } from '../src/alerts/alert-evaluator.service';
import { eventually, TestApp } from './harness';

interface AuditEntry {
  actor: { type: string; label: string };
  action: string;
  before: Record<string, unknown> | null;
  after: Record<string, unknown> | null;
}

describe('alerts', () => {
  let sut: TestApp;
  let evaluator: AlertEvaluatorService;
  let nurse: string;
  let zone: { id: string; siteId: string };

  beforeAll(async () => {
    // The timer stays out of the way: every evaluation in this suite is run by the test, with its own clock.
    sut = await TestApp.start({ env: { ALERT_EVALUATION_INTERVAL_SECONDS: '3600' } });
    evaluator = sut.app.get(AlertEvaluatorService);
    nurse = await sut.signIn('nurse');
    const { zones } = await sut.someFloor();
    const [row] = await sut.query<{ site_id: string }>(
      `SELECT b.site_id FROM zone z JOIN floor f ON f.id = z.floor_id JOIN building b ON b.id = f.building_id
       WHERE z.id = $1`,
      [zones[0].id],
    );
    zone = { id: zones[0].id, siteId: row.site_id };
  });
  afterAll(() => sut.stop());

  const offlineAlerts = async (state: string) => {
    const res = await sut.request('GET', `/api/v1/alerts?state=${state}&kind=device_offline`, { token: nurse });
    expect(res.status).toBe(200);
    return res.body as AlertDto[];
  };
  const silence = (deviceId: string) =>
    sut.query(
      `UPDATE device SET created_at = now() - interval '2 hours', last_seen_at = now() - interval '1 hour'
       WHERE id = $1`,
      [deviceId],
    );
  const lastSeenOf = async (deviceId: string) =>
    (await sut.query<{ last_seen_at: Date }>(`SELECT last_seen_at FROM device WHERE id = $1`, [deviceId]))[0]
      .last_seen_at;
  /** Posts one read and waits until the worker has recorded the device as heard; returns when (server clock). */
  const postRead = async (apiKey: string, seenAt: Date, deviceId: string): Promise<Date> => {
    const before = (await lastSeenOf(deviceId))?.getTime() ?? 0;
    const res = await sut.request('POST', '/api/v1/ingest/generic', {
      apiKey,
      body: { reads: [{ tagId: 'AB01', antenna: 1, seenAt: seenAt.toISOString() }] },
    });
    expect(res.status).toBe(202);
    // The worker records the device as heard (by the server's clock) once it has processed the batch.
    return eventually(async () => {
      const heard = await lastSeenOf(deviceId);
      return heard && heard.getTime() > before ? heard : undefined;
    });
  };

  it('refuses callers who are not signed in', async () => {
    const id = '00000000-0000-4000-8000-000000000000';
    expect((await sut.request('GET', '/api/v1/alerts')).status).toBe(401);
    expect((await sut.request('GET', `/api/v1/alerts/${id}`)).status).toBe(401);
    expect((await sut.request('POST', `/api/v1/alerts/${id}/ack`)).status).toBe(401);
  });

  it('rejects filters outside the lists with a 400 naming the field', async () => {
    const state = await sut.request('GET', '/api/v1/alerts?state=closed', { token: nurse });
    expect(state.status).toBe(400);
    expect(JSON.stringify(state.body)).toMatch(/state must be one of/);
    const kind = await sut.request('GET', '/api/v1/alerts?kind=fire', { token: nurse });
    expect(kind.status).toBe(400);
    expect(JSON.stringify(kind.body)).toMatch(/kind must be one of/);
    const limit = await sut.request('GET', '/api/v1/alerts?limit=0', { token: nurse });
    expect(limit.status).toBe(400);
    expect(JSON.stringify(limit.body)).toMatch(/limit/);
    expect((await sut.request('GET', '/api/v1/alerts/not-a-uuid', { token: nurse })).status).toBe(400);
  });

  it('finishes an evaluation in flight before the process shuts down', async () => {
    const other = await TestApp.start({ env: { ALERT_EVALUATION_INTERVAL_SECONDS: '1' } });
    const inFlight = other.app.get(AlertEvaluatorService).evaluate();

    await other.stop();

    await expect(inFlight).resolves.toMatchObject({ skipped: false });
  });

  describe('device_offline', () => {
    let reader: { id: string; apiKey: string; code: string };
    let alert: AlertDto;

    beforeAll(async () => {
      reader = await sut.registerReader([zone.id]);
    });

    it('opens one alert for a reader that went silent, naming it by its code', async () => {
      const quiet = await sut.registerReader([zone.id]);
      await silence(reader.id);

      const report = await evaluator.evaluate();

      expect(report.skipped).toBe(false);
      expect(report.opened.map((o) => o.subjectLabel)).toEqual([reader.code]);
      const open = await offlineAlerts('open');
      expect(open).toHaveLength(1);
      alert = open[0];
      expect(alert).toMatchObject({
        kind: 'device_offline',
        subjectType: 'device',
        subjectId: reader.id,
        subjectLabel: reader.code,
        siteId: zone.siteId,
        severity: 'warning',
        state: 'open',
        acknowledgedBy: null,
        resolvedAt: null,
        details: { deviceName: `Test reader ${reader.code}`, lastSeenAt: expect.any(String) },
      });
      // A reader registered a moment ago has not had the chance to be silent yet.
      expect(open.some((a) => a.subjectId === quiet.id)).toBe(false);
    });

    it('does not open a second alert while the reader stays silent', async () => {
      const report = await evaluator.evaluate();

      expect(report.opened).toEqual([]);
      expect(await offlineAlerts('open')).toEqual([expect.objectContaining({ id: alert.id })]);
      const [{ n }] = await sut.query<{ n: number }>(`SELECT count(*)::int AS n FROM alert WHERE subject_id = $1`, [
        reader.id,
      ]);
      expect(n).toBe(1);
    });

    it('lets a nurse acknowledge it, with an audit entry naming the nurse', async () => {
      const res = await sut.request('POST', `/api/v1/alerts/${alert.id}/ack`, { token: nurse });

      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({
        id: alert.id,
        state: 'acknowledged',
        acknowledgedAt: expect.any(String),
        acknowledgedBy: { id: sut.users.get('nurse')!.id, label: 'nurse@test.wardtrack' },
      });
      const entries = (
        await sut.request('GET', `/api/v1/audit?subject=alert:${alert.id}`, { token: await sut.signIn('admin') })
      ).body as AuditEntry[];
      expect(entries).toEqual([
        expect.objectContaining({
          actor: expect.objectContaining({ type: 'user', label: 'nurse@test.wardtrack' }),
          action: 'update',
          before: expect.objectContaining({ state: 'open', acknowledgedBy: null }),
          after: expect.objectContaining({ state: 'acknowledged' }),
        }),
      ]);
    });

    it('answers a second acknowledgement with the alert, changing nothing', async () => {
      const before = (await sut.request('GET', `/api/v1/alerts/${alert.id}`, { token: nurse })).body as AlertDto;

      const res = await sut.request('POST', `/api/v1/alerts/${alert.id}/ack`, { token: await sut.signIn('biomed') });

      expect(res.status).toBe(200);
      expect(res.body).toEqual(before);
      const [{ n }] = await sut.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM audit_log WHERE subject_type = 'alert' AND subject_id = $1`,
        [alert.id],
      );
      expect(n).toBe(1);
    });

    it('marks the reader back when it posts again, without resolving on a single read', async () => {
      const heardAt = await postRead(reader.apiKey, new Date(), reader.id);

      await evaluator.evaluate();
      const marked = (await sut.request('GET', `/api/v1/alerts/${alert.id}`, { token: nurse })).body as AlertDto;
      expect(marked).toMatchObject({ state: 'acknowledged', details: { backSince: heardAt.toISOString() } });

      // Long enough later, but nothing heard since that one read: not yet steadily back.
      const report = await evaluator.evaluate(new Date(heardAt.getTime() + 121_000));
      expect(report.resolved).toEqual([]);
      expect(await offlineAlerts('acknowledged')).toEqual([expect.objectContaining({ id: alert.id })]);
    });

    it('resolves it once the reader has been heard for the resolve time', async () => {
      const firstHeard = await lastSeenOf(reader.id);
      // The reader keeps posting for two minutes: its last-seen time moves 121 s on.
      const laterRead = new Date(firstHeard.getTime() + 121_000);
      await sut.query(`UPDATE device SET last_seen_at = $2 WHERE id = $1`, [reader.id, laterRead]);

      const report = await evaluator.evaluate(new Date(laterRead.getTime() + 1_000));

      expect(report.resolved).toEqual([expect.objectContaining({ alertId: alert.id, subjectLabel: reader.code })]);
      expect(await offlineAlerts('acknowledged')).toEqual([]);
      expect(await offlineAlerts('resolved')).toEqual([
        expect.objectContaining({ id: alert.id, state: 'resolved', resolvedReason: 'device heard steadily again' }),
      ]);
    });

    it('refuses to acknowledge a resolved alert (409) or one that does not exist (404)', async () => {
      expect((await sut.request('POST', `/api/v1/alerts/${alert.id}/ack`, { token: nurse })).status).toBe(409);
      const unknown = '00000000-0000-4000-8000-000000000000';
      expect((await sut.request('POST', `/api/v1/alerts/${unknown}/ack`, { token: nurse })).status).toBe(404);
      expect((await sut.request('GET', `/api/v1/alerts/${unknown}`, { token: nurse })).status).toBe(404);
    });

    it('resolves the alert of a reader whose key is revoked, and raises none for it again', async () => {
      const retired = await sut.registerReader([zone.id]);
      await silence(retired.id);
      expect((await evaluator.evaluate()).opened.map((o) => o.subjectLabel)).toEqual([retired.code]);

      const revoke = await sut.request('POST', `/api/v1/devices/${retired.id}/revoke`, {
        token: await sut.signIn('admin'),
      });
      expect(revoke.status).toBe(200);
      const report = await evaluator.evaluate();

      expect(report.resolved).toEqual([
        expect.objectContaining({ subjectLabel: retired.code, reason: 'device revoked' }),
      ]);
      expect((await evaluator.evaluate()).opened).toEqual([]);
    });
  });
});
