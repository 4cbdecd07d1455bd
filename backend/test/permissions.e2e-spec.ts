import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { ModulesContainer } from '@nestjs/core';
import jwt from 'jsonwebtoken';
import { allows, listRoutes, permissionMatrixMarkdown, PRINCIPALS, type RouteEntry } from '../src/auth/route-catalogue';
import type { LoginResponse, UserRole } from '@wardtrack/contracts';
import { TEST_PASSWORD, TestApp } from './harness';

/**
 * The permission matrix, enforced: every route the application serves has a deliberate decision,
 * docs/security.md shows exactly those decisions, and every route answers every kind of caller
 * (no token, expired, tampered, each role, a device key) as the matrix says.
 */
describe('permission matrix', () => {
  let sut: TestApp;
  let routes: RouteEntry[];
  const credentials = new Map<string, Record<string, string>>();

  beforeAll(async () => {
    sut = await TestApp.start();
    routes = listRoutes(sut.app.get(ModulesContainer));
    for (const role of PRINCIPALS) {
      if (role === 'device') continue;
      credentials.set(role, { authorization: `Bearer ${await sut.signIn(role)}` });
    }
    const { zones } = await sut.someFloor();
    credentials.set('device', { 'x-api-key': (await sut.registerReader([zones[0].id])).apiKey });
    const nurse = sut.users.get('nurse')!;
    const secret = sut.config.auth.tokenSecret!;
    const claims = {
      sub: nurse.id,
      email: nurse.email,
      name: 'x',
      role: 'nurse',
      iss: 'wardtrack',
      aud: 'wardtrack-api',
    };
    const now = Math.floor(Date.now() / 1000);
    credentials.set('expired', {
      authorization: `Bearer ${jwt.sign({ ...claims, iat: now - 100, exp: now - 10 }, secret)}`,
    });
    const [h, , s] = nurse.token.split('.');
    const admin = Buffer.from(JSON.stringify({ ...claims, role: 'admin', exp: now + 600 })).toString('base64url');
    credentials.set('tampered', { authorization: `Bearer ${h}.${admin}.${s}` });
    credentials.set('anonymous', {});
  });
  afterAll(() => sut.stop());

  it('has a decision for every route', () => {
    expect(routes.length).toBeGreaterThan(10);
    expect(routes.filter((r) => !r.rule).map((r) => `${r.method} ${r.path} (${r.handler})`)).toEqual([]);
  });

  it('is documented exactly in docs/security.md', () => {
    const file = resolve(__dirname, '../../docs/security.md');
    const markers = /(<!-- permission-matrix:start -->\n)([\s\S]*?)(\n<!-- permission-matrix:end -->)/;
    const doc = readFileSync(file, 'utf8');
    if (process.env.WRITE_PERMISSION_MATRIX === '1') {
      // Regenerate after adding a route: WRITE_PERMISSION_MATRIX=1 npx jest -c backend/jest.config.js permissions
      writeFileSync(
        file,
        doc.replace(markers, (_, a: string, _b: string, c: string) => a + permissionMatrixMarkdown(routes) + c),
      );
    }
    expect(markers.exec(readFileSync(file, 'utf8'))?.[2]).toBe(permissionMatrixMarkdown(routes));
  });

  const sample: Record<string, string> = {
    id: '00000000-0000-4000-8000-000000000000',
    tagId: 'AB01',
    format: 'generic',
    hex: '3074257BF7194E4000001A85',
  };

  const freshSession = async (role: string) => {
    const login = await sut.request('POST', '/api/v1/auth/login', {
      body: { email: sut.users.get(role as UserRole)!.email, password: TEST_PASSWORD },
    });
    return { authorization: `Bearer ${(login.body as LoginResponse).accessToken}` };
  };

  it('answers every kind of caller on every route as the matrix says', async () => {
    const wrong: string[] = [];
    for (const route of routes) {
      const path = route.path.replace(/:(\w+)/g, (_, name: string) => sample[name] ?? 'x');
      for (const [who, stored] of credentials) {
        // Signing out ends the session: give that call a session of its own.
        const headers =
          path.endsWith('/auth/logout') && sut.users.has(who as UserRole) ? await freshSession(who) : stored;
        const res = await sut.request(route.method, path, {
          headers,
          ...(['POST', 'PUT', 'PATCH'].includes(route.method) ? { body: {} } : {}),
        });
        const kind = who === 'expired' || who === 'tampered' ? 'anonymous' : (who as (typeof PRINCIPALS)[number]);
        const allowed = allows(route.rule, kind);
        const refused = res.status === 401 || res.status === 403;
        // Wrong role: 403. No (valid) credentials, or the wrong kind of credentials: 401.
        const expected = allowed
          ? 'not 401/403'
          : route.rule?.kind === 'users' && kind !== 'anonymous' && kind !== 'device'
            ? '403'
            : '401';
        const ok = allowed ? !refused : String(res.status) === expected;
        if (!ok) wrong.push(`${route.method} ${path} as ${who}: got ${res.status}, expected ${expected}`);
      }
    }
    expect(wrong).toEqual([]);
  });
});
