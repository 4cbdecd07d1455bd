import type { LoginResponse } from '@wardtrack/contracts';
import jwt from 'jsonwebtoken';
import { TEST_PASSWORD, TestApp } from './harness';

describe('authentication and roles', () => {
  let sut: TestApp;

  beforeAll(async () => {
    sut = await TestApp.start();
  });
  afterAll(() => sut.stop());

  describe('sign-in', () => {
    it('gives a bearer token that identifies the user and role', async () => {
      await sut.signIn('nurse');
      const res = await sut.request('POST', '/api/v1/auth/login', {
        body: { email: 'NURSE@test.wardtrack', password: TEST_PASSWORD },
      });
      expect(res.status).toBe(200);
      const login = res.body as LoginResponse;
      expect(login).toMatchObject({ tokenType: 'Bearer', user: { email: 'nurse@test.wardtrack', role: 'nurse' } });
      expect(login.expiresIn).toBeGreaterThan(0);
      const me = await sut.request('GET', '/api/v1/auth/me', { token: login.accessToken });
      expect(me.body).toMatchObject({ email: 'nurse@test.wardtrack', role: 'nurse' });
    });

    it('answers a wrong password and an unknown account the same way', async () => {
      await sut.signIn('nurse');
      const wrong = await sut.request('POST', '/api/v1/auth/login', {
        body: { email: 'nurse@test.wardtrack', password: 'nope' },
      });
      const unknown = await sut.request('POST', '/api/v1/auth/login', {
        body: { email: 'ghost@test.wardtrack', password: 'nope' },
      });
      expect(wrong.status).toBe(401);
      expect(unknown.status).toBe(401);
      expect((wrong.body as { message: string }).message).toBe((unknown.body as { message: string }).message);
    });

    it('stores passwords as salted argon2id hashes, never in clear', async () => {
      await sut.signIn('biomed');
      const [row] = await sut.query<{ password_hash: string }>(
        `SELECT password_hash FROM app_user WHERE email = 'biomed@test.wardtrack'`,
      );
      expect(row.password_hash).toMatch(/^\$argon2id\$/);
      expect(row.password_hash).not.toContain(TEST_PASSWORD);
    });

    it('rejects a malformed login body naming the field', async () => {
      const res = await sut.request('POST', '/api/v1/auth/login', { body: { email: 'not-an-email', password: 'x' } });
      expect(res.status).toBe(400);
      expect(JSON.stringify(res.body)).toMatch(/email/);
    });

    it('does not offer demo accounts outside the embedded setup', async () => {
      expect((await sut.request('GET', '/api/v1/auth/demo')).status).toBe(404);
    });
  });

  describe('tokens', () => {
    it('refuses missing, tampered and expired tokens', async () => {
      const token = await sut.signIn('nurse');
      expect((await sut.request('GET', '/api/v1/floors')).status).toBe(401);
      const [h, p, s] = token.split('.');
      const claims = JSON.parse(Buffer.from(p, 'base64url').toString()) as Record<string, unknown>;
      const promoted = Buffer.from(JSON.stringify({ ...claims, role: 'admin' })).toString('base64url');
      expect((await sut.request('GET', '/api/v1/users', { token: `${h}.${promoted}.${s}` })).status).toBe(401);
      const expired = jwt.sign(
        { ...claims, iat: Math.floor(Date.now() / 1000) - 100, exp: Math.floor(Date.now() / 1000) - 10 },
        sut.config.auth.tokenSecret!,
        {
          algorithm: 'HS256',
        },
      );
      expect((await sut.request('GET', '/api/v1/floors', { token: expired })).status).toBe(401);
      const otherSecret = jwt.sign({ ...claims }, 'x'.repeat(40), { algorithm: 'HS256' });
      expect((await sut.request('GET', '/api/v1/floors', { token: otherSecret })).status).toBe(401);
    });

    it('stops honouring the token of a user an admin disabled', async () => {
      const admin = await sut.signIn('admin');
      const created = await sut.request('POST', '/api/v1/users', {
        token: admin,
        body: {
          email: 'porter@test.wardtrack',
          displayName: 'Porter',
          role: 'nurse',
          password: 'a-long-enough-password',
        },
      });
      expect(created.status).toBe(201);
      const login = await sut.request('POST', '/api/v1/auth/login', {
        body: { email: 'porter@test.wardtrack', password: 'a-long-enough-password' },
      });
      const token = (login.body as LoginResponse).accessToken;
      expect((await sut.request('GET', '/api/v1/floors', { token })).status).toBe(200);
      const id = (created.body as { id: string }).id;
      expect(
        (await sut.request('PATCH', `/api/v1/users/${id}`, { token: admin, body: { active: false } })).status,
      ).toBe(200);
      expect((await sut.request('GET', '/api/v1/floors', { token })).status).toBe(401);
      const again = await sut.request('POST', '/api/v1/auth/login', {
        body: { email: 'porter@test.wardtrack', password: 'a-long-enough-password' },
      });
      expect(again.status).toBe(401);
    });
  });

  describe('sessions', () => {
    const signInFresh = async (email: string) => {
      const res = await sut.request('POST', '/api/v1/auth/login', { body: { email, password: TEST_PASSWORD } });
      return res.body as LoginResponse;
    };

    it('issues short-lived access tokens and refreshes them with a single-use refresh token', async () => {
      await sut.signIn('supply_manager');
      const first = await signInFresh('supply_manager@test.wardtrack');
      expect(first.expiresIn).toBeLessThanOrEqual(3600);
      expect(first.refreshExpiresIn).toBeGreaterThan(first.expiresIn);
      const refreshed = await sut.request('POST', '/api/v1/auth/refresh', {
        body: { refreshToken: first.refreshToken },
      });
      expect(refreshed.status).toBe(200);
      const second = refreshed.body as LoginResponse;
      expect(second.refreshToken).not.toBe(first.refreshToken);
      expect((await sut.request('GET', '/api/v1/floors', { token: second.accessToken })).status).toBe(200);
    });

    it('ends the whole session when a used refresh token comes back (it was copied)', async () => {
      const login = await signInFresh('supply_manager@test.wardtrack');
      const next = (await sut.request('POST', '/api/v1/auth/refresh', { body: { refreshToken: login.refreshToken } }))
        .body as LoginResponse;
      const replay = await sut.request('POST', '/api/v1/auth/refresh', { body: { refreshToken: login.refreshToken } });
      expect(replay.status).toBe(401);
      expect(
        (await sut.request('POST', '/api/v1/auth/refresh', { body: { refreshToken: next.refreshToken } })).status,
      ).toBe(401);
      expect((await sut.request('GET', '/api/v1/floors', { token: next.accessToken })).status).toBe(401);
    });

    it('really signs out: the access token and the refresh token stop working', async () => {
      const login = await signInFresh('supply_manager@test.wardtrack');
      expect((await sut.request('POST', '/api/v1/auth/logout', { token: login.accessToken })).status).toBe(204);
      expect((await sut.request('GET', '/api/v1/floors', { token: login.accessToken })).status).toBe(401);
      expect(
        (await sut.request('POST', '/api/v1/auth/refresh', { body: { refreshToken: login.refreshToken } })).status,
      ).toBe(401);
    });

    it('locks an account for a while after five wrong passwords, even against the right one', async () => {
      const admin = await sut.signIn('admin');
      await sut.request('POST', '/api/v1/users', {
        token: admin,
        body: { email: 'target@test.wardtrack', displayName: 'Target', role: 'nurse', password: TEST_PASSWORD },
      });
      const attempt = (password: string) =>
        sut.request('POST', '/api/v1/auth/login', { body: { email: 'target@test.wardtrack', password } });
      for (let i = 0; i < 5; i++) expect((await attempt('wrong-guess')).status).toBe(401);
      const locked = await attempt(TEST_PASSWORD);
      expect(locked.status).toBe(429);
      expect(Number(locked.headers.get('retry-after'))).toBeGreaterThan(0);
      // Someone else on the same ward workstation can still sign in.
      expect((await signInFresh('supply_manager@test.wardtrack')).accessToken).toBeDefined();
    });
  });

  describe('roles', () => {
    it.each(['nurse', 'supply_manager', 'biomed'] as const)('refuses %s on admin routes with 403', async (role) => {
      const token = await sut.signIn(role);
      expect((await sut.request('GET', '/api/v1/users', { token })).status).toBe(403);
      expect((await sut.request('GET', '/api/v1/audit', { token })).status).toBe(403);
      const device = await sut.request('POST', '/api/v1/devices', {
        token,
        body: { code: `X-${role}`, name: 'x', kind: 'rfid_reader', vendorFormat: 'generic' },
      });
      expect(device.status).toBe(403);
    });

    it('lets biomed see devices but not register them', async () => {
      const token = await sut.signIn('biomed');
      expect((await sut.request('GET', '/api/v1/devices', { token })).status).toBe(200);
    });
  });

  describe('devices', () => {
    it('shows a new device key once, stores only its hash, and never lists it again', async () => {
      const admin = await sut.signIn('admin');
      const res = await sut.request('POST', '/api/v1/devices', {
        token: admin,
        body: { code: 'RDR-KEY-1', name: 'Key test', kind: 'rfid_reader', vendorFormat: 'generic' },
      });
      expect(res.status).toBe(201);
      const { id, apiKey, keyPrefix } = res.body as { id: string; apiKey: string; keyPrefix: string };
      expect(apiKey).toMatch(/^wtd_[a-z0-9]{12}_[A-Za-z0-9_-]{43}$/);
      expect(apiKey).toContain(keyPrefix);
      const [row] = await sut.query<{ key_hash: string }>(`SELECT key_hash FROM device WHERE id = $1`, [id]);
      expect(row.key_hash).toMatch(/^[0-9a-f]{64}$/);
      expect(row.key_hash).not.toContain(apiKey);
      const listed = await sut.request('GET', `/api/v1/devices/${id}`, { token: admin });
      expect(listed.text).not.toContain(apiKey);
      expect(listed.body).not.toHaveProperty('apiKey');
    });

    it('rotates a key: the old one works during the grace period, then only the new one', async () => {
      const admin = await sut.signIn('admin');
      const floor = await sut.someFloor();
      const reader = await sut.registerReader([floor.zones[0].id]);
      const read = { reads: [{ tagId: 'AB01', antenna: 1, seenAt: new Date().toISOString() }] };
      const post = (apiKey: string) => sut.request('POST', '/api/v1/ingest/generic', { apiKey, body: read });
      const graceful = await sut.request('POST', `/api/v1/devices/${reader.id}/key`, { token: admin, body: {} });
      expect(graceful.status).toBe(201);
      const second = (graceful.body as { apiKey: string }).apiKey;
      expect((await post(reader.apiKey)).status).toBe(202);
      expect((await post(second)).status).toBe(202);

      const immediate = await sut.request('POST', `/api/v1/devices/${reader.id}/key`, {
        token: admin,
        body: { graceMinutes: 0 },
      });
      const third = (immediate.body as { apiKey: string }).apiKey;
      expect((await post(reader.apiKey)).status).toBe(401);
      expect((await post(second)).status).toBe(401);
      expect((await post(third)).status).toBe(202);
    });

    it('rejects a device whose antenna points at a zone that does not exist, naming the item', async () => {
      const admin = await sut.signIn('admin');
      const res = await sut.request('POST', '/api/v1/devices', {
        token: admin,
        body: {
          code: 'RDR-BAD',
          name: 'Bad',
          kind: 'rfid_reader',
          vendorFormat: 'generic',
          antennas: [{ port: 1, zoneId: '00000000-0000-4000-8000-000000000000' }],
        },
      });
      expect(res.status).toBe(400);
      expect((res.body as { message: string }).message).toMatch(/^antennas\[0\]\.zoneId/);
    });
  });
});
