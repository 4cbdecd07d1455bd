import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { MAIN } from './embedded-process';
import { createTestDatabase, dropTestDatabase } from './harness';
import { databaseUrl } from './test-env';

/** The built server's command line, as an operator uses it on a real PostgreSQL. */
describe('command line', () => {
  let database: string;
  const secret = randomBytes(48).toString('base64url');

  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(() => dropTestDatabase(database));

  const run = (args: string[], env: Record<string, string>) =>
    spawnSync(process.execPath, [MAIN, ...args], {
      env: { PATH: process.env.PATH, DATABASE_URL: databaseUrl(database), LOG_LEVEL: 'silent', ...env },
      encoding: 'utf8',
      timeout: 30_000,
    });

  it('refuses to start on a real database without a token secret, or with a weak one', () => {
    const missing = run([], {});
    expect(missing.status).toBe(1);
    expect(missing.stderr).toMatch(/AUTH_TOKEN_SECRET: required when DATABASE_URL is set/);
    const weak = run([], { AUTH_TOKEN_SECRET: 'changeme' });
    expect(weak.status).toBe(1);
    expect(weak.stderr).toMatch(/AUTH_TOKEN_SECRET: too weak/);
  });

  it('creates the first administrator, audited, and no demo accounts', async () => {
    const result = run(['create-admin', 'it-admin@hospital.example', 'IT Admin'], {
      AUTH_TOKEN_SECRET: secret,
      WARDTRACK_ADMIN_PASSWORD: 'a long enough passphrase',
    });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/Created admin it-admin@hospital.example/);
    const db = new Client({ connectionString: databaseUrl(database) });
    await db.connect();
    const users = await db.query<{ email: string; role: string }>(`SELECT email, role FROM app_user`);
    const audit = await db.query<{ actor_label: string }>(
      `SELECT actor_label FROM audit_log WHERE subject_type = 'user'`,
    );
    await db.end();
    expect(users.rows).toEqual([{ email: 'it-admin@hospital.example', role: 'admin' }]);
    expect(audit.rows).toEqual([{ actor_label: 'create-admin command' }]);
  });

  it('explains its usage when the password is missing or short', () => {
    const result = run(['create-admin', 'x@hospital.example'], {
      AUTH_TOKEN_SECRET: secret,
      WARDTRACK_ADMIN_PASSWORD: 'short',
    });
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/usage: WARDTRACK_ADMIN_PASSWORD=/);
  });
});
