import { randomBytes } from 'node:crypto';
import type { LoginResponse } from '@wardtrack/contracts';
import { Client } from 'pg';
import { ADMIN_DATABASE_URL, databaseUrl } from '../../test-env';
import { freePort, MAIN, run, WardtrackProcess } from './processes';

export interface Reader {
  id: string;
  code: string;
  apiKey: string;
  /** Antenna ports (1-based), each covering a zone. */
  ports: number[];
}

const ADMIN_EMAIL = 'faults-admin@hospital.example';
const ANTENNAS_PER_READER = 4;

/** WT_FAULTS_APP_ENV="NAME=value ...": settings added to the processes' environment (to try other tunings). */
function extraEnv(): Record<string, string> {
  const pairs = (process.env.WT_FAULTS_APP_ENV ?? '').split(/\s+/).filter(Boolean);
  return Object.fromEntries(pairs.map((p) => [p.slice(0, p.indexOf('=')), p.slice(p.indexOf('=') + 1)]));
}

/** A fresh, empty database on the shared PostgreSQL (the server migrates it at start); dropped by dropDatabase. */
export async function createDatabase(): Promise<string> {
  const name = `wt_faults_${randomBytes(5).toString('hex')}`;
  const admin = new Client({ connectionString: ADMIN_DATABASE_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  return databaseUrl(name);
}

export async function dropDatabase(url: string): Promise<void> {
  const admin = new Client({ connectionString: ADMIN_DATABASE_URL });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${new URL(url).pathname.slice(1)} WITH (FORCE)`);
  await admin.end();
}

/**
 * A real installation as an operator sets one up: the first admin from the command line, one
 * api and one worker process (the built server in two roles), the demo floor plans imported at
 * start, and RFID readers registered through the admin API with their antennas on zones.
 */
export class FaultSite {
  readonly readers: Reader[] = [];
  /** A connection of the test's own, to read the ledger. */
  db: Client;

  private constructor(
    readonly api: WardtrackProcess,
    readonly worker: WardtrackProcess,
    readonly databaseUrl: string,
    readonly queuePrefix: string,
  ) {
    this.db = new Client({ connectionString: databaseUrl });
    // A restarted PostgreSQL drops this connection too; reconnect() replaces it.
    this.db.on('error', () => undefined);
  }

  static async start(options: { databaseUrl: string; redisUrl: string; readers: number }): Promise<FaultSite> {
    const queuePrefix = 'faults';
    const env = {
      DATABASE_URL: options.databaseUrl,
      REDIS_URL: options.redisUrl,
      AUTH_TOKEN_SECRET: randomBytes(48).toString('base64url'),
      QUEUE_PREFIX: queuePrefix,
      ...extraEnv(),
    };
    const password = randomBytes(12).toString('base64url');
    const created = await run(process.execPath, [MAIN, 'create-admin', ADMIN_EMAIL, 'Fault test admin'], 90_000, {
      PATH: process.env.PATH,
      LOG_LEVEL: 'warn',
      ...env,
      WARDTRACK_ADMIN_PASSWORD: password,
    });
    if (created.code !== 0) throw new Error(`create-admin failed: ${created.output}`);
    const site = new FaultSite(
      new WardtrackProcess('api', await freePort(), env),
      new WardtrackProcess('worker', await freePort(), env),
      options.databaseUrl,
      queuePrefix,
    );
    await site.api.start(); // migrations ran in create-admin; the api imports the floor plans
    await site.worker.start();
    await site.db.connect();
    await site.registerReaders(options.readers, password);
    return site;
  }

  private async registerReaders(count: number, password: string): Promise<void> {
    const login = await fetch(`${this.api.url}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: ADMIN_EMAIL, password }),
    });
    if (login.status !== 200) throw new Error(`admin sign-in failed: ${login.status} ${await login.text()}`);
    const token = ((await login.json()) as LoginResponse).accessToken;
    const zones = (await this.db.query<{ id: string }>(`SELECT id FROM zone ORDER BY floor_id, code`)).rows;
    if (zones.length === 0) throw new Error('no zones: the floor plans were not imported');
    for (let i = 0; i < count; i++) {
      const code = `RDR-FAULT-${String(i + 1).padStart(2, '0')}`;
      const ports = Array.from({ length: ANTENNAS_PER_READER }, (_, k) => k + 1);
      const res = await fetch(`${this.api.url}/api/v1/devices`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({
          code,
          name: `Fault test reader ${i + 1}`,
          kind: 'rfid_reader',
          vendorFormat: 'generic',
          antennas: ports.map((port) => ({
            port,
            zoneId: zones[(i * ANTENNAS_PER_READER + port - 1) % zones.length].id,
          })),
        }),
      });
      if (res.status !== 201) throw new Error(`reader registration failed: ${res.status} ${await res.text()}`);
      const body = (await res.json()) as { id: string; apiKey: string };
      this.readers.push({ id: body.id, code, apiKey: body.apiKey, ports });
    }
  }

  /** The test's connection after a PostgreSQL restart. */
  async reconnect(): Promise<void> {
    await this.db.end().catch(() => undefined);
    const db = new Client({ connectionString: this.databaseUrl });
    db.on('error', () => undefined);
    await db.connect();
    this.db = db;
  }

  /** What went wrong in the processes, for a failure message. */
  logs(): string {
    return `--- api ---\n${this.api.output.slice(-4000)}\n--- worker ---\n${this.worker.output.slice(-4000)}`;
  }

  async stop(): Promise<void> {
    await Promise.all([this.api.stop(), this.worker.stop()]);
    await this.db.end().catch(() => undefined);
  }
}
