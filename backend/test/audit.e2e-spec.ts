import { ModulesContainer } from '@nestjs/core';
import { listRoutes } from '../src/auth/route-catalogue';
import { TestApp } from './harness';

interface AuditEntry {
  actor: { type: string; label: string };
  action: string;
  subjectType: string;
  subjectId: string;
  before: Record<string, unknown> | null;
  after: Record<string, unknown> | null;
  requestId: string | null;
}

describe('audit log', () => {
  let sut: TestApp;
  let admin: string;

  beforeAll(async () => {
    sut = await TestApp.start();
    admin = await sut.signIn('admin');
  });
  afterAll(() => sut.stop());

  const entriesFor = async (subject: string) =>
    (await sut.request('GET', `/api/v1/audit?subject=${encodeURIComponent(subject)}`, { token: admin }))
      .body as AuditEntry[];

  it('records who registered a device, with what, and never the key', async () => {
    const created = await sut.request('POST', '/api/v1/devices', {
      token: admin,
      body: { code: 'RDR-AUD-1', name: 'Audit reader', kind: 'rfid_reader', vendorFormat: 'generic' },
    });
    const { id, apiKey } = created.body as { id: string; apiKey: string };
    const [entry] = await entriesFor(`device:${id}`);
    expect(entry).toMatchObject({
      actor: { type: 'user', label: 'admin@test.wardtrack' },
      action: 'create',
      subjectType: 'device',
      subjectId: id,
      before: null,
      after: expect.objectContaining({ code: 'RDR-AUD-1', name: 'Audit reader' }),
      requestId: created.headers.get('x-request-id'),
    });
    expect(JSON.stringify(entry)).not.toContain(apiKey);
  });

  it('records before and after of a change, and a revocation', async () => {
    const created = await sut.request('POST', '/api/v1/users', {
      token: admin,
      body: { email: 'temp@test.wardtrack', displayName: 'Temp', role: 'nurse', password: 'a-long-enough-password' },
    });
    const id = (created.body as { id: string }).id;
    await sut.request('PATCH', `/api/v1/users/${id}`, {
      token: admin,
      body: { role: 'biomed', password: 'another-long-password' },
    });
    const entries = await entriesFor(`user:${id}`);
    expect(entries.map((e) => e.action)).toEqual(['update', 'create']);
    expect(entries[0].before).toMatchObject({ role: 'nurse' });
    expect(entries[0].after).toMatchObject({ role: 'biomed', passwordReset: true });
    expect(JSON.stringify(entries)).not.toMatch(/another-long-password|argon2/);
  });

  it('records the facility import as the system', async () => {
    const entries = (await sut.request('GET', '/api/v1/audit?subject=site', { token: admin })).body as AuditEntry[];
    expect(entries[0]).toMatchObject({ actor: { type: 'system' }, action: 'create', subjectType: 'site' });
  });

  it('cannot be altered or erased, even by SQL', async () => {
    await expect(sut.query(`UPDATE audit_log SET actor_label = 'someone else'`)).rejects.toThrow(/append-only/);
    await expect(sut.query(`DELETE FROM audit_log`)).rejects.toThrow(/append-only/);
    await expect(sut.query(`TRUNCATE audit_log`)).rejects.toThrow(/append-only/);
  });

  it('filters by actor and time', async () => {
    const from = new Date(Date.now() - 60_000).toISOString();
    const mine = (await sut.request('GET', `/api/v1/audit?actor=admin@test.wardtrack&from=${from}`, { token: admin }))
      .body as AuditEntry[];
    expect(mine.length).toBeGreaterThan(0);
    expect(mine.every((e) => e.actor.label === 'admin@test.wardtrack')).toBe(true);
    const future = (
      await sut.request('GET', `/api/v1/audit?from=${new Date(Date.now() + 3_600_000).toISOString()}`, { token: admin })
    ).body as AuditEntry[];
    expect(future).toEqual([]);
  });

  it('exports the log as CSV that a spreadsheet cannot be tricked into executing', async () => {
    await sut.request('POST', '/api/v1/users', {
      token: admin,
      body: {
        email: 'csv@test.wardtrack',
        displayName: '=HYPERLINK("http://evil")',
        role: 'nurse',
        password: 'a-long-enough-password',
      },
    });
    const res = await sut.request('GET', '/api/v1/audit/export.csv?subject=user', { token: admin });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/csv/);
    expect(res.headers.get('content-disposition')).toMatch(/attachment/);
    const [header, ...rows] = res.text.trim().split('\r\n');
    expect(header).toBe(
      'id,occurredAt,actorType,actorId,actorLabel,action,subjectType,subjectId,before,after,requestId',
    );
    const csvRow = rows.find((r) => r.includes('csv@test.wardtrack'))!;
    expect(csvRow).toContain('""displayName"":""=HYPERLINK');
    expect(csvRow).not.toMatch(/,=HYPERLINK/);
    expect((await sut.request('GET', '/api/v1/audit/export.csv', { token: await sut.signIn('biomed') })).status).toBe(
      403,
    );
  });

  /**
   * Every route that changes administered data must leave an audit entry. A new mutating route
   * fails this test until it gets a call below (or is listed as not administered data).
   */
  it('gets an entry from every mutating route', async () => {
    const { zones } = await sut.someFloor();
    const reader = await sut.registerReader([zones[0].id]);
    const user = (
      await sut.request('POST', '/api/v1/users', {
        token: admin,
        body: { email: 'mut@test.wardtrack', displayName: 'M', role: 'nurse', password: 'a-long-enough-password' },
      })
    ).body as { id: string };
    const calls: Record<string, { path: string; body?: unknown }> = {
      'POST /api/v1/users': {
        path: '/api/v1/users',
        body: { email: 'mut2@test.wardtrack', displayName: 'M2', role: 'biomed', password: 'a-long-enough-password' },
      },
      'PATCH /api/v1/users/:id': { path: `/api/v1/users/${user.id}`, body: { displayName: 'Renamed' } },
      'POST /api/v1/devices': {
        path: '/api/v1/devices',
        body: { code: 'RDR-MUT', name: 'Mutation reader', kind: 'rfid_reader', vendorFormat: 'generic' },
      },
      'POST /api/v1/devices/:id/key': { path: `/api/v1/devices/${reader.id}/key`, body: {} },
      'POST /api/v1/devices/:id/revoke': { path: `/api/v1/devices/${reader.id}/revoke` },
    };
    // Not administered data: sign-in sessions (their own table), reads from devices (the batch ledger).
    const exempt = ['/api/v1/auth/', '/api/v1/ingest/'];
    const mutating = listRoutes(sut.app.get(ModulesContainer)).filter(
      (r) => ['POST', 'PUT', 'PATCH', 'DELETE'].includes(r.method) && !exempt.some((e) => r.path.startsWith(e)),
    );
    const unaudited: string[] = [];
    for (const route of mutating) {
      const key = `${route.method} ${route.path}`;
      const call = calls[key];
      if (!call) {
        unaudited.push(`${key}: no call in this test`);
        continue;
      }
      const [{ n: before }] = await sut.query<{ n: number }>(`SELECT count(*)::int AS n FROM audit_log`);
      const res = await sut.request(route.method, call.path, { token: admin, body: call.body });
      const [{ n: after }] = await sut.query<{ n: number }>(`SELECT count(*)::int AS n FROM audit_log`);
      if (res.status >= 300) unaudited.push(`${key}: answered ${res.status}`);
      else if (after <= before) unaudited.push(`${key}: no audit entry`);
    }
    expect(unaudited).toEqual([]);
  });
});
