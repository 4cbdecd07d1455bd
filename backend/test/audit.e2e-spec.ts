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
});
