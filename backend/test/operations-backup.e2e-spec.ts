import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { dropTestDatabase, TestApp } from './harness';
import { AppOn, answers, createScenario, pgTool } from './operations-scenario';
import { ADMIN_DATABASE_URL, databaseUrl } from './test-env';

/**
 * The backup procedure of docs/operations.md, for real: pg_dump -Fc, the database wiped, pg_restore
 * into an empty one, and the API answers exactly as before (users, facility, tag location, audit log).
 */
describe('backup and restore', () => {
  jest.setTimeout(120_000);
  const dir = mkdtempSync(join(tmpdir(), 'wardtrack-backup-'));
  let database: string;
  let restored: AppOn | undefined;

  afterAll(async () => {
    await restored?.close();
    if (database) await dropTestDatabase(database);
    rmSync(dir, { recursive: true, force: true });
  });

  it('restores a dump into a wiped database with the same answers', async () => {
    const sut = await TestApp.start();
    database = sut.database;
    const secret = sut.config.auth.tokenSecret!;
    const { adminEmail } = await createScenario(sut);
    const before = await answers((path, token) => sut.request('GET', path, { token }), await sut.signIn('admin'));
    // Not an empty comparison: the admin's changes are in the log.
    expect((before['/api/v1/audit?limit=1000'] as unknown[]).length).toBeGreaterThanOrEqual(2);
    await sut.app.close(); // Wardtrack stopped; the database stays.

    const file = join(dir, 'wardtrack.dump');
    const dump = spawnSync(pgTool('pg_dump'), ['-Fc', '-f', file, '-d', databaseUrl(database)], { encoding: 'utf8' });
    expect(dump.stderr).toBe('');
    expect(dump.status).toBe(0);
    expect(statSync(file).size).toBeGreaterThan(10_000);

    const admin = new Client({ connectionString: ADMIN_DATABASE_URL });
    await admin.connect();
    await admin.query(`DROP DATABASE ${database} WITH (FORCE)`);
    await admin.query(`CREATE DATABASE ${database} TEMPLATE template0`);
    await admin.end();

    const restore = spawnSync(
      pgTool('pg_restore'),
      ['--exit-on-error', '--single-transaction', '--no-owner', '-d', databaseUrl(database), file],
      { encoding: 'utf8' },
    );
    expect(restore.stderr).toBe('');
    expect(restore.status).toBe(0);

    restored = await AppOn.start(database, secret);
    const token = await restored.signIn(adminEmail);
    const after = await answers((path, t) => restored!.request('GET', path, t), token);
    // Signing in again is audited: compare the log as it was, entry for entry, then the new entry.
    const audit = '/api/v1/audit?limit=1000';
    const newer = (after[audit] as { id: number }[]).filter(
      (e) => !(before[audit] as { id: number }[]).some((b) => b.id === e.id),
    );
    expect({ ...after, [audit]: (after[audit] as { id: number }[]).filter((e) => !newer.includes(e)) }).toEqual(before);
    expect(newer.length).toBeLessThanOrEqual(1);
    // The restored log is still append-only.
    const db = new Client({ connectionString: databaseUrl(database) });
    await db.connect();
    await expect(db.query(`DELETE FROM audit_log`)).rejects.toThrow(/append-only/);
    await db.end();
  });
});
