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
    const facility = await sut.someFloor();
    const [site] = await sut.query<{ id: string }>(`SELECT id FROM site ORDER BY code LIMIT 1`);
    const [building] = await sut.query<{ id: string }>(`SELECT id FROM building WHERE site_id = $1 LIMIT 1`, [site.id]);
    const newFloor = async (code: string) =>
      (
        (
          await sut.request('POST', `/api/v1/buildings/${building.id}/floors`, {
            token: admin,
            body: { code, name: code, level: 9, widthM: 10, heightM: 10 },
          })
        ).body as { id: string }
      ).id;
    const spareFloor = await newFloor('MUT-SPARE');
    const zoneFloor = await newFloor('MUT-ZONES');
    const spareZone = (
      await sut.request('POST', `/api/v1/floors/${zoneFloor}/zones`, {
        token: admin,
        body: {
          code: 'MUT-Z1',
          name: 'Z1',
          kind: 'room',
          polygon: [
            [0, 0],
            [2, 0],
            [2, 2],
            [0, 2],
          ],
        },
      })
    ).body as { id: string };
    const planForm = () => {
      const form = new FormData();
      form.append(
        'plan',
        new Blob(['<svg viewBox="0 0 10 10"><rect width="1" height="1"/></svg>'], { type: 'image/svg+xml' }),
      );
      return form;
    };
    const calls: Record<string, { path: string; body?: unknown; form?: () => FormData }> = {
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
      'PATCH /api/v1/devices/:id': { path: `/api/v1/devices/${reader.id}`, body: { name: 'Renamed reader' } },
      'PUT /api/v1/devices/:id/antennas': {
        path: `/api/v1/devices/${reader.id}/antennas`,
        body: { antennas: [{ port: 1, zoneId: zones[1].id }] },
      },
      'PUT /api/v1/devices/:id/mqtt': {
        path: `/api/v1/devices/${reader.id}/mqtt`,
        body: { topic: 'wardtrack/devices/RDR-AUDIT/tags' },
      },
      'POST /api/v1/sites': {
        path: '/api/v1/sites',
        body: { code: 'mut-site', name: 'Mutation site', timeZone: 'UTC' },
      },
      'PATCH /api/v1/sites/:id': { path: `/api/v1/sites/${site.id}`, body: { name: 'Renamed site' } },
      'POST /api/v1/sites/:id/buildings': {
        path: `/api/v1/sites/${site.id}/buildings`,
        body: { code: 'mut-building', name: 'Mutation building' },
      },
      'PATCH /api/v1/buildings/:id': { path: `/api/v1/buildings/${building.id}`, body: { name: 'Renamed building' } },
      'POST /api/v1/buildings/:id/floors': {
        path: `/api/v1/buildings/${building.id}/floors`,
        body: { code: 'MUT-FLOOR', name: 'Mutation floor', level: 8, widthM: 10, heightM: 10 },
      },
      'PATCH /api/v1/floors/:id': { path: `/api/v1/floors/${facility.id}`, body: { name: 'Renamed floor' } },
      'DELETE /api/v1/floors/:id': { path: `/api/v1/floors/${spareFloor}` },
      'PUT /api/v1/floors/:id/plan': { path: `/api/v1/floors/${zoneFloor}/plan`, form: planForm },
      'POST /api/v1/floors/:id/zones': {
        path: `/api/v1/floors/${zoneFloor}/zones`,
        body: {
          code: 'MUT-Z2',
          name: 'Z2',
          kind: 'room',
          polygon: [
            [5, 5],
            [7, 5],
            [7, 7],
            [5, 7],
          ],
        },
      },
      'PATCH /api/v1/zones/:id': { path: `/api/v1/zones/${zones[1].id}`, body: { name: 'Renamed zone' } },
      'DELETE /api/v1/zones/:id': { path: `/api/v1/zones/${spareZone.id}` },
      'POST /api/v1/alerts/:id/ack': {
        // Alerts are opened by the rules, not by people: open one straight in the database.
        path: `/api/v1/alerts/${
          (
            await sut.query<{ id: string }>(
              `INSERT INTO alert (kind, subject_type, subject_id, subject_label, severity)
               VALUES ('device_offline', 'device', $1, 'RDR-ACK', 'warning') RETURNING id`,
              [reader.id],
            )
          )[0].id
        }/ack`,
      },
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
      // Multipart uploads go through fetch: the harness sends JSON only.
      const res = call.form
        ? await fetch(`${sut.baseUrl}${call.path}`, {
            method: route.method,
            headers: { authorization: `Bearer ${admin}` },
            body: call.form(),
          })
        : await sut.request(route.method, call.path, { token: admin, body: call.body });
      const [{ n: after }] = await sut.query<{ n: number }>(`SELECT count(*)::int AS n FROM audit_log`);
      if (res.status >= 300) unaudited.push(`${key}: answered ${res.status}`);
      else if (after <= before) unaudited.push(`${key}: no audit entry`);
    }
    expect(unaudited).toEqual([]);
  });
});
