import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { LoginResponse, UserRole } from '@wardtrack/contracts';
import { Client } from 'pg';
import pino from 'pino';
import type { DataSource } from 'typeorm';
import { getDataSourceToken } from '@nestjs/typeorm';
import { hashPassword } from '../src/auth/password';
import { type AppConfig, loadConfig } from '../src/config/app-config';
import { STOCK_ZONE_KINDS } from '../src/location/engine';
import { createApp } from '../src/main';
import { ADMIN_DATABASE_URL, databaseUrl, REDIS_URL, runId, templateDb } from './test-env';

export const TEST_PASSWORD = 'correct-horse-battery-staple';
const REPO_ROOT = resolve(__dirname, '../..');

/** A fresh database copied from the migrated template. */
export async function createTestDatabase(): Promise<string> {
  const name = `wt_test_${runId()}_${randomBytes(4).toString('hex')}`;
  const admin = new Client({ connectionString: ADMIN_DATABASE_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name} TEMPLATE ${templateDb()}`);
  await admin.end();
  return name;
}

export async function dropTestDatabase(name: string): Promise<void> {
  const admin = new Client({ connectionString: ADMIN_DATABASE_URL });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await admin.end();
}

export interface TestAppOptions {
  /** 'bullmq' (Redis) or 'embedded' (the database-backed queue). */
  queue?: 'bullmq' | 'embedded';
  role?: 'api' | 'worker' | 'all';
  env?: Record<string, string>;
  /**
   * Join an existing TestApp's database (and so its queue prefix) instead of creating one: a
   * second worker, or the same deployment restarted. The database is then left to its owner.
   */
  database?: string;
}

/** A running Wardtrack on its own database (and its own Redis key prefix), listening on a free port. */
export class TestApp {
  readonly users = new Map<UserRole, { email: string; token: string; id: string }>();

  private constructor(
    readonly app: NestFastifyApplication,
    readonly config: AppConfig,
    readonly baseUrl: string,
    readonly database: string,
    private readonly ownsDatabase: boolean,
  ) {}

  static async start(options: TestAppOptions = {}): Promise<TestApp> {
    const database = options.database ?? (await createTestDatabase());
    const config = loadConfig(
      {
        DATABASE_URL: databaseUrl(database),
        ...(options.queue === 'embedded' ? {} : { REDIS_URL }),
        AUTH_TOKEN_SECRET: randomBytes(48).toString('base64url'),
        ROLE: options.role ?? 'all',
        QUEUE_PREFIX: `wt-test-${database.replace(/_/g, '-')}`.slice(0, 40),
        LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
        ...options.env,
      },
      REPO_ROOT,
    );
    const logger = pino({ level: config.logLevel });
    const app = await createApp(config, logger);
    await app.listen(0, '127.0.0.1');
    const address = app.getHttpServer().address();
    const port = typeof address === 'object' && address ? address.port : 0;
    return new TestApp(app, config, `http://127.0.0.1:${port}`, database, options.database === undefined);
  }

  get dataSource(): DataSource {
    return this.app.get<DataSource>(getDataSourceToken());
  }

  async stop(): Promise<void> {
    await this.app.close();
    if (this.ownsDatabase) await dropTestDatabase(this.database);
  }

  async query<T = Record<string, unknown>>(sql: string, params: unknown[] = []): Promise<T[]> {
    return await this.dataSource.query<T[]>(sql, params);
  }

  /** Creates a user with a role straight in the database and signs in through the API. */
  async signIn(role: UserRole): Promise<string> {
    const existing = this.users.get(role);
    if (existing) return existing.token;
    const email = `${role}@test.wardtrack`;
    const [{ id }] = await this.query<{ id: string }>(
      `INSERT INTO app_user (email, display_name, role, password_hash) VALUES ($1, $2, $3, $4) RETURNING id`,
      [email, `Test ${role}`, role, await hashPassword(TEST_PASSWORD)],
    );
    const res = await this.request('POST', '/api/v1/auth/login', { body: { email, password: TEST_PASSWORD } });
    if (res.status !== 200) throw new Error(`sign-in failed: ${res.status} ${JSON.stringify(res.body)}`);
    const token = (res.body as LoginResponse).accessToken;
    this.users.set(role, { email, token, id });
    return token;
  }

  async request(
    method: string,
    path: string,
    options: { body?: unknown; token?: string; apiKey?: string; headers?: Record<string, string>; raw?: string } = {},
  ): Promise<{ status: number; body: unknown; headers: Headers; text: string }> {
    const headers: Record<string, string> = { ...options.headers };
    if (options.body !== undefined || options.raw !== undefined) headers['content-type'] ??= 'application/json';
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    if (options.apiKey) headers['x-api-key'] = options.apiKey;
    const response = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers,
      body: options.raw ?? (options.body === undefined ? undefined : JSON.stringify(options.body)),
    });
    const text = await response.text();
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      // not JSON (SVG, HTML): keep the text
    }
    return { status: response.status, body, headers: response.headers, text };
  }

  /**
   * The first floor of the imported demo site, with its zones: stock locations (cabinets, supply
   * rooms, where trade-item tags are left to the stock engine) last, so tests that place tags take
   * ordinary rooms first.
   */
  async someFloor(): Promise<{ id: string; zones: { id: string; code: string; name: string }[] }> {
    const [floor] = await this.query<{ id: string }>(`SELECT id FROM floor ORDER BY level, code LIMIT 1`);
    const zones = await this.query<{ id: string; code: string; name: string }>(
      `SELECT id, code, name FROM zone WHERE floor_id = $1 ORDER BY kind = ANY($2::text[]), code`,
      [floor.id, [...STOCK_ZONE_KINDS]],
    );
    return { id: floor.id, zones };
  }

  /** Registers a reader through the API (as admin) with antennas on the given zones; returns its id and key. */
  async registerReader(zoneIds: string[], code = `RDR-T-${randomBytes(3).toString('hex')}`) {
    const token = await this.signIn('admin');
    const res = await this.request('POST', '/api/v1/devices', {
      token,
      body: {
        code,
        name: `Test reader ${code}`,
        kind: 'rfid_reader',
        vendorFormat: 'generic',
        antennas: zoneIds.map((zoneId, i) => ({ port: i + 1, zoneId })),
      },
    });
    if (res.status !== 201) throw new Error(`device registration failed: ${res.status} ${JSON.stringify(res.body)}`);
    const body = res.body as { id: string; apiKey: string };
    return { id: body.id, apiKey: body.apiKey, code };
  }
}

/** Polls until `check` returns a value (not undefined) or the time runs out. */
export async function eventually<T>(
  check: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 10_000,
  everyMs = 50,
): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > until) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
