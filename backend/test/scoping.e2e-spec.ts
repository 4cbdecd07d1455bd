import type { AlertDto, FloorSummaryDto, LoginResponse } from '@wardtrack/contracts';
import { AlertsService } from '../src/alerts/alerts.service';
import { eventually, TestApp } from './harness';

interface AuditEntry {
  action: string;
  before: Record<string, unknown> | null;
  after: Record<string, unknown> | null;
}

interface UserAdminDto {
  id: string;
  scopeSiteIds: string[];
  scopeCareUnits: string[];
}

const PASSWORD = 'a-long-enough-password';

describe('scoping users to sites and care units', () => {
  let sut: TestApp;
  let admin: string;
  let demoSiteId: string;
  let icuAlert: string;
  let westAlert: string;

  /** An admin creates a nurse through the API; the nurse signs in. */
  const newNurse = async (email: string, scope: Partial<UserAdminDto> = {}) => {
    const created = await sut.request('POST', '/api/v1/users', {
      token: admin,
      body: { email, displayName: email, role: 'nurse', password: PASSWORD, ...scope },
    });
    expect(created.status).toBe(201);
    const login = await sut.request('POST', '/api/v1/auth/login', { body: { email, password: PASSWORD } });
    expect(login.status).toBe(200);
    return { id: (created.body as UserAdminDto).id, token: (login.body as LoginResponse).accessToken };
  };
  const alertIds = async (token: string) => {
    const res = await sut.request('GET', '/api/v1/alerts', { token });
    expect(res.status).toBe(200);
    return (res.body as AlertDto[]).map((a) => a.id);
  };

  beforeAll(async () => {
    sut = await TestApp.start({ env: { ALERT_EVALUATION_INTERVAL_SECONDS: '3600' } });
    admin = await sut.signIn('admin');
    [{ id: demoSiteId }] = await sut.query<{ id: string }>(`SELECT id FROM site ORDER BY code LIMIT 1`);
    const alerts = sut.app.get(AlertsService);
    icuAlert = (
      await alerts.raise(
        'device_offline',
        { type: 'test', id: 'icu-1', label: 'ICU thing' },
        { severity: 'warning', siteId: demoSiteId, careUnit: 'ICU' },
      )
    ).id;
    westAlert = (
      await alerts.raise(
        'device_offline',
        { type: 'test', id: 'west-1', label: '4 West thing' },
        { severity: 'warning', siteId: demoSiteId, careUnit: '4 West' },
      )
    ).id;
  });
  afterAll(() => sut.stop());

  it('hides alerts of other care units from a restricted nurse, at once and without signing in again', async () => {
    const restricted = await newNurse('west.nurse@test.wardtrack');
    const unrestricted = await newNurse('any.nurse@test.wardtrack');
    expect(await alertIds(restricted.token)).toEqual(expect.arrayContaining([icuAlert, westAlert]));

    const patched = await sut.request('PATCH', `/api/v1/users/${restricted.id}`, {
      token: admin,
      body: { scopeCareUnits: ['4 West'] },
    });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ scopeSiteIds: [], scopeCareUnits: ['4 West'] });

    // Same token as before the change.
    const seen = await alertIds(restricted.token);
    expect(seen).toContain(westAlert);
    expect(seen).not.toContain(icuAlert);
    expect((await sut.request('GET', `/api/v1/alerts/${icuAlert}`, { token: restricted.token })).status).toBe(404);
    expect((await sut.request('POST', `/api/v1/alerts/${icuAlert}/ack`, { token: restricted.token })).status).toBe(404);
    expect((await sut.request('GET', `/api/v1/alerts/${westAlert}`, { token: restricted.token })).status).toBe(200);
    const filtered = await sut.request('GET', '/api/v1/alerts?careUnit=ICU', { token: restricted.token });
    expect(filtered.body).toEqual([]);

    expect(await alertIds(unrestricted.token)).toEqual(expect.arrayContaining([icuAlert, westAlert]));
    // A care-unit restriction does not hide floors.
    expect(((await sut.request('GET', '/api/v1/floors', { token: restricted.token })).body as unknown[]).length).toBe(
      ((await sut.request('GET', '/api/v1/floors', { token: unrestricted.token })).body as unknown[]).length,
    );

    // The change is in the audit log, before and after.
    const audit = (
      await sut.request('GET', `/api/v1/audit?subject=${encodeURIComponent(`user:${restricted.id}`)}`, {
        token: admin,
      })
    ).body as AuditEntry[];
    const change = audit.find((e) => e.action === 'update');
    expect(change?.before).toMatchObject({ scopeCareUnits: [] });
    expect(change?.after).toMatchObject({ scopeCareUnits: ['4 West'] });

    // Lifting the restriction applies as quickly.
    await sut.request('PATCH', `/api/v1/users/${restricted.id}`, { token: admin, body: { scopeCareUnits: [] } });
    expect(await alertIds(restricted.token)).toEqual(expect.arrayContaining([icuAlert, westAlert]));
  });

  it('shows a nurse restricted to another site none of the demo floors', async () => {
    const [{ id: otherSite }] = await sut.query<{ id: string }>(
      `INSERT INTO site (code, name, time_zone) VALUES ('OTHER', 'Other hospital', 'Europe/London') RETURNING id`,
    );
    const nurse = await newNurse('other.nurse@test.wardtrack', { scopeSiteIds: [otherSite] });
    const listed = await sut.request('GET', '/api/v1/users', { token: admin });
    expect((listed.body as UserAdminDto[]).find((u) => u.id === nurse.id)).toMatchObject({
      scopeSiteIds: [otherSite],
      scopeCareUnits: [],
    });

    const floors = await sut.request('GET', '/api/v1/floors', { token: nurse.token });
    expect(floors.status).toBe(200);
    expect(floors.body).toEqual([]);
    const demoFloor = await sut.someFloor();
    for (const path of ['', '/plan', '/tags'])
      expect((await sut.request('GET', `/api/v1/floors/${demoFloor.id}${path}`, { token: nurse.token })).status).toBe(
        404,
      );
    expect(await alertIds(nurse.token)).toEqual([]);

    const nurseAnywhere = await sut.signIn('nurse');
    const all = (await sut.request('GET', '/api/v1/floors', { token: nurseAnywhere })).body as FloorSummaryDto[];
    expect(all.map((f) => f.id)).toContain(demoFloor.id);
    expect((await sut.request('GET', `/api/v1/floors/${demoFloor.id}`, { token: nurseAnywhere })).status).toBe(200);
  });

  it('rejects a scope that is not a list of site ids and care unit names', async () => {
    const [{ id }] = await sut.query<{ id: string }>(`SELECT id FROM app_user WHERE role = 'admin' LIMIT 1`);
    for (const body of [{ scopeSiteIds: ['not-a-uuid'] }, { scopeCareUnits: 'ICU' }, { scopeCareUnits: [''] }])
      expect((await sut.request('PATCH', `/api/v1/users/${id}`, { token: admin, body })).status).toBe(400);
  });

  it("hides the location of equipment outside a nurse's care units, and unknown tags there", async () => {
    const [icu] = await sut.query<{ id: string }>(`SELECT id FROM zone WHERE care_unit = 'ICU' ORDER BY code LIMIT 1`);
    const [west] = await sut.query<{ id: string }>(
      `SELECT id FROM zone WHERE care_unit = '4 West' ORDER BY code LIMIT 1`,
    );
    const reader = await sut.registerReader([icu.id, west.id]);
    const seenAt = new Date().toISOString();
    await sut.request('POST', '/api/v1/ingest/generic', {
      apiKey: reader.apiKey,
      body: {
        reads: [
          { tagId: 'SCOPEICU1', antenna: 1, rssi: -50, seenAt },
          { tagId: 'SCOPEWEST1', antenna: 2, rssi: -50, seenAt },
        ],
      },
    });
    const everyone = await sut.signIn('nurse');
    await eventually(async () =>
      (await sut.request('GET', '/api/v1/tags/SCOPEWEST1/location', { token: everyone })).status === 200 &&
      (await sut.request('GET', '/api/v1/tags/SCOPEICU1/location', { token: everyone })).status === 200
        ? true
        : undefined,
    );
    const westNurse = await newNurse('west-tags@test.wardtrack', { scopeCareUnits: ['4 West'] });
    expect((await sut.request('GET', '/api/v1/tags/SCOPEWEST1/location', { token: westNurse.token })).status).toBe(200);
    expect((await sut.request('GET', '/api/v1/tags/SCOPEICU1/location', { token: westNurse.token })).status).toBe(404);
  });
});
