import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { EmbeddedProcess, freePort, MAIN } from './embedded-process';
import { dropTestDatabase, eventually, TestApp } from './harness';
import { AppOn, answers, createScenario } from './operations-scenario';
import { ADMIN_DATABASE_URL, databaseUrl, runId } from './test-env';

/** Every table's rows, as PostgreSQL prints them, in a stable order (schema bookkeeping left out). */
async function contents(database: string): Promise<Record<string, string[]>> {
  const db = new Client({ connectionString: databaseUrl(database) });
  await db.connect();
  try {
    const { rows: tables } = await db.query<{ name: string }>(
      `SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'schema_migration'
        ORDER BY tablename`,
    );
    const out: Record<string, string[]> = {};
    for (const { name } of tables) {
      const { rows } = await db.query<{ r: string }>(`SELECT row_to_json(t)::text AS r FROM "${name}" t ORDER BY 1`);
      out[name] = rows.map((r) => r.r);
    }
    return out;
  } finally {
    await db.end();
  }
}

async function emptyDatabase(): Promise<string> {
  const name = `wt_test_${runId()}_${randomBytes(4).toString('hex')}`;
  const admin = new Client({ connectionString: ADMIN_DATABASE_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name} TEMPLATE template0`);
  await admin.end();
  return name;
}

/**
 * Moving an installation between databases with `main.js export <file>` and `main.js import <file>`:
 * from PostgreSQL to PostgreSQL, and from the embedded evaluation setup to PostgreSQL.
 */
describe('export and import', () => {
  // Each command is a fresh `node dist/backend/main.js`: a few seconds apiece on a busy machine.
  jest.setTimeout(180_000);
  const dir = mkdtempSync(join(tmpdir(), 'wardtrack-transfer-'));
  const secret = randomBytes(48).toString('base64url');
  const cli = (args: string[], env: Record<string, string>) =>
    spawnSync(process.execPath, [MAIN, ...args], {
      env: { PATH: process.env.PATH, HOME: process.env.HOME, LOG_LEVEL: 'silent', AUTH_TOKEN_SECRET: secret, ...env },
      encoding: 'utf8',
      timeout: 120_000,
    });
  const databases: string[] = [];
  const apps: AppOn[] = [];

  afterAll(async () => {
    for (const app of apps) await app.close();
    for (const db of databases) await dropTestDatabase(db);
    rmSync(dir, { recursive: true, force: true });
  });

  it('carries every row of one database into an empty one, and the API answers the same', async () => {
    const source = await TestApp.start();
    databases.push(source.database);
    const { adminEmail } = await createScenario(source);
    const token = await source.signIn('admin');
    const before = await answers((path, t) => source.request('GET', path, { token: t }), token);
    await source.app.close();

    const file = join(dir, 'pg.jsonl');
    const exported = cli(['export', file], { DATABASE_URL: databaseUrl(source.database) });
    expect(exported.stderr).toBe('');
    expect(exported.status).toBe(0);
    expect(exported.stdout).toMatch(/Exported \d+ rows in \d+ tables/);

    const target = await emptyDatabase();
    databases.push(target);
    const env = { DATABASE_URL: databaseUrl(target) };
    expect(cli(['migrate'], env).status).toBe(0);
    const imported = cli(['import', file], env);
    expect(imported.stderr).toBe('');
    expect(imported.status).toBe(0);

    expect(await contents(target)).toEqual(await contents(source.database));

    const app = await AppOn.start(target, source.config.auth.tokenSecret!);
    apps.push(app);
    // The admin's token from before the move still works (same secret, sessions carried over).
    expect(await answers((path, t) => app.request('GET', path, t), token)).toEqual(before);
    await app.signIn(adminEmail);
    // New rows get new ids after the imported ones.
    const [{ id: lastAuditId }] = (await answers((path, t) => app.request('GET', path, t), token))[
      '/api/v1/audit?limit=1000'
    ] as { id: string }[];
    const created = await app.request('POST', '/api/v1/users', token, {
      email: 'day-nurse@hospital.example',
      displayName: 'Day Nurse',
      role: 'nurse',
      password: 'a long enough passphrase',
    });
    expect(created.status).toBe(201);
    const [newest] = (await app.request('GET', '/api/v1/audit?limit=1', token)).body as { id: string }[];
    expect(Number(newest.id)).toBeGreaterThan(Number(lastAuditId));

    // Importing twice is refused: the target is no longer empty, and nothing changed.
    const again = cli(['import', file], env);
    expect(again.status).toBe(1);
    expect(again.stderr).toMatch(/import failed: the target database is not empty/);
  });

  it('refuses a file that is not an export, and a truncated one, leaving the database empty', async () => {
    const target = await emptyDatabase();
    databases.push(target);
    const env = { DATABASE_URL: databaseUrl(target) };
    expect(cli(['migrate'], env).status).toBe(0);
    const junk = join(dir, 'junk.jsonl');
    writeFileSync(junk, 'hello\n');
    const refused = cli(['import', junk], env);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toMatch(/is not a Wardtrack export/);

    const full = readFileSync(join(dir, 'pg.jsonl'), 'utf8').split('\n');
    const truncated = join(dir, 'truncated.jsonl');
    writeFileSync(truncated, full.slice(0, Math.floor(full.length * 0.8)).join('\n') + '\n');
    const partial = cli(['import', truncated], env);
    expect(partial.status).toBe(1);
    expect(partial.stderr).toMatch(/file ends after|file truncated/);
    const left = await contents(target);
    expect(Object.entries(left).filter(([, rows]) => rows.length > 0)).toEqual([]);
  });

  it('moves an evaluation install from embedded defaults to PostgreSQL, without its public demo passwords', async () => {
    const dataDir = join(dir, 'embedded');
    const embedded = new EmbeddedProcess(dataDir, await freePort());
    await embedded.start();
    // The demo simulator moves the pumps: wait for some locations and their history.
    const login = await fetch(`${embedded.url}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'admin@wardtrack.demo', password: 'wardtrack-demo' }),
    });
    expect(login.status).toBe(200);
    const { accessToken } = (await login.json()) as { accessToken: string };
    await eventually(
      async () => {
        const floors = (await (
          await fetch(`${embedded.url}/api/v1/floors`, { headers: { authorization: `Bearer ${accessToken}` } })
        ).json()) as { id: string }[];
        for (const f of floors) {
          const tags = (await (
            await fetch(`${embedded.url}/api/v1/floors/${f.id}/tags`, {
              headers: { authorization: `Bearer ${accessToken}` },
            })
          ).json()) as unknown[];
          if (tags.length > 0) return true;
        }
        return undefined;
      },
      60_000,
      500,
    );
    await embedded.stop();

    const file = join(dir, 'embedded.jsonl');
    const exported = cli(['export', file], { EMBEDDED_DATA_DIR: join(dataDir, 'pglite'), DATABASE_URL: '' });
    expect(exported.status).toBe(0);
    expect(exported.stdout).toMatch(/Exported \d+ rows/);

    const target = await emptyDatabase();
    databases.push(target);
    const env = { DATABASE_URL: databaseUrl(target) };
    expect(cli(['migrate'], env).status).toBe(0);
    const imported = cli(['import', file], env);
    expect(imported.stderr).toBe('');
    expect(imported.status).toBe(0);
    expect(imported.stdout).toMatch(/Disabled demo account admin@wardtrack\.demo/);

    const lines = readFileSync(file, 'utf8').trim().split('\n');
    const rowsOf = (table: string) => {
      const at = lines.findIndex((l) => l.startsWith(`{"table":"${table}",`));
      const { rows } = JSON.parse(lines[at]) as { rows: number };
      return lines.slice(at + 1, at + 1 + rows);
    };
    const moved = await contents(target);
    const sorted = (rows: string[]) => [...rows].map((r) => JSON.stringify(JSON.parse(r))).sort();
    // The audit log arrives entry for entry; the import adds only its own record of disabling the demo accounts.
    const audit = sorted(rowsOf('audit_log'));
    expect(audit.length).toBeGreaterThan(10);
    expect(moved.audit_log.map((r) => JSON.stringify(JSON.parse(r))).filter((r) => audit.includes(r)).length).toBe(
      audit.length,
    );
    expect(moved.audit_log.length - audit.length).toBe(4);
    for (const table of ['site', 'floor', 'zone', 'device', 'antenna', 'asset', 'tag_location', 'tag_stay']) {
      expect({ table, rows: moved[table].length }).toEqual({ table, rows: rowsOf(table).length });
    }
    expect(moved.tag_location.length).toBeGreaterThan(0);

    const app = await AppOn.start(target, secret);
    apps.push(app);
    const demo = await app.request('POST', '/api/v1/auth/login', undefined, {
      email: 'admin@wardtrack.demo',
      password: 'wardtrack-demo',
    });
    expect(demo.status).toBe(401);
  });
});
