import { existsSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { LoginResponse } from '@wardtrack/contracts';
import pino from 'pino';
import { loadConfig } from '../src/config/app-config';
import { createApp } from '../src/main';
import { eventually, TEST_PASSWORD, type TestApp } from './harness';
import { databaseUrl, REDIS_URL } from './test-env';

/** A Wardtrack app on an existing database (a restored or imported one), reached over HTTP. */
export class AppOn {
  private constructor(
    readonly app: NestFastifyApplication,
    readonly baseUrl: string,
  ) {}

  static async start(database: string, tokenSecret: string): Promise<AppOn> {
    const config = loadConfig(
      {
        DATABASE_URL: databaseUrl(database),
        REDIS_URL,
        AUTH_TOKEN_SECRET: tokenSecret,
        QUEUE_PREFIX: `wt-test-${database.replace(/_/g, '-')}`.slice(0, 40),
        LOG_LEVEL: 'silent',
      },
      resolve(__dirname, '../..'),
    );
    const app = await createApp(config, pino({ level: 'silent' }));
    await app.listen(0, '127.0.0.1');
    const address = app.getHttpServer().address();
    return new AppOn(app, `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`);
  }

  async request(
    method: string,
    path: string,
    token?: string,
    body?: unknown,
  ): Promise<{ status: number; body: unknown }> {
    const res = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text.startsWith('{') || text.startsWith('[') ? JSON.parse(text) : text };
  }

  async signIn(email: string, password = TEST_PASSWORD): Promise<string> {
    const res = await this.request('POST', '/api/v1/auth/login', undefined, { email, password });
    if (res.status !== 200) throw new Error(`sign-in as ${email} failed: ${res.status} ${JSON.stringify(res.body)}`);
    return (res.body as LoginResponse).accessToken;
  }

  close(): Promise<void> {
    return this.app.close();
  }
}

type Requester = (path: string, token: string) => Promise<{ status: number; body: unknown }>;

export const SCENARIO_TAG = '30340000000000000000CAFE';

/**
 * Data made the way users make it: an admin adds a nurse account and a reader (both audited), the
 * reader reports a tag and the worker places it. Returns the admin's email for signing in again.
 */
export async function createScenario(sut: TestApp): Promise<{ adminEmail: string }> {
  const admin = await sut.signIn('admin');
  const created = await sut.request('POST', '/api/v1/users', {
    token: admin,
    body: { email: 'night-nurse@hospital.example', displayName: 'Night Nurse', role: 'nurse', password: TEST_PASSWORD },
  });
  if (created.status !== 201) throw new Error(`user not created: ${created.status} ${JSON.stringify(created.body)}`);
  const { zones } = await sut.someFloor();
  const reader = await sut.registerReader([zones[3].id]);
  const posted = await sut.request('POST', '/api/v1/ingest/generic', {
    apiKey: reader.apiKey,
    body: {
      batchId: 'scenario-1',
      reads: [0, 1, 2, 3, 4, 5].map((i) => ({
        tagId: SCENARIO_TAG,
        antenna: 1,
        rssi: -48,
        seenAt: new Date(Date.now() - 3000 + i * 400).toISOString(),
      })),
    },
  });
  if (posted.status !== 202) throw new Error(`ingest refused: ${posted.status}`);
  await eventually(async () => {
    const res = await sut.request('GET', `/api/v1/tags/${SCENARIO_TAG}/location`, { token: admin });
    return res.status === 200 ? true : undefined;
  }, 20_000);
  return { adminEmail: sut.users.get('admin')!.email };
}

/**
 * What the API answers about users, the facility, the tag's location and stays, and the audit log
 * (the location's `ageSeconds` is left out: it is the clock moving, not the data).
 */
export async function answers(get: Requester, token: string): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  for (const path of [
    '/api/v1/users',
    '/api/v1/floors',
    `/api/v1/tags/${SCENARIO_TAG}/location`,
    `/api/v1/tags/${SCENARIO_TAG}/stays`,
    '/api/v1/audit?limit=1000',
    '/api/v1/alerts',
  ]) {
    const res = await get(path, token);
    if (res.status !== 200) throw new Error(`GET ${path}: ${res.status}`);
    out[path] = res.body;
  }
  delete (out[`/api/v1/tags/${SCENARIO_TAG}/location`] as { ageSeconds?: number }).ageSeconds;
  const [floor] = out['/api/v1/floors'] as { id: string }[];
  out['floor detail'] = (await get(`/api/v1/floors/${floor.id}`, token)).body;
  return out;
}

/** The newest PostgreSQL client tools installed (Debian keeps them under /usr/lib/postgresql/<major>/bin). */
export function pgTool(name: 'pg_dump' | 'pg_restore'): string {
  const root = '/usr/lib/postgresql';
  const majors = existsSync(root)
    ? readdirSync(root)
        .filter((v) => existsSync(join(root, v, 'bin', name)))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  return majors.length > 0 ? join(root, majors[0], 'bin', name) : name;
}
