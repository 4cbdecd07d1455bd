import { Client } from 'pg';
import pino from 'pino';
import { RETENTION_LOCK_KEY, runRetention } from '../src/operations/retention';
import { TestApp } from './harness';
import { databaseUrl } from './test-env';

const logger = pino({ level: 'silent' });

/**
 * Retention: old history goes, recent history and anything still open stays, the audit log is
 * trimmed only through its audited purge, and nothing else can delete from it.
 */
describe('retention', () => {
  let sut: TestApp;
  let zone: { id: string };
  let floorId: string;

  beforeAll(async () => {
    sut = await TestApp.start({
      env: {
        RETENTION_STAYS_DAYS: '30',
        RETENTION_ALERTS_DAYS: '30',
        RETENTION_LEDGER_DAYS: '7',
        RETENTION_AUDIT_DAYS: '90',
      },
    });
    const floor = await sut.someFloor();
    floorId = floor.id;
    zone = floor.zones[0];
  });
  afterAll(() => sut.stop());

  const count = async (sql: string, params: unknown[] = []) =>
    (await sut.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${sql}`, params))[0].n;
  const run = () =>
    runRetention(sut.dataSource, sut.config.retention, logger, { poolSize: sut.config.database.poolSize, chunk: 2 });

  async function seed(): Promise<void> {
    const stay = (tag: string, entered: string, left: string | null) =>
      sut.query(
        `INSERT INTO tag_stay (tag_id, zone_id, floor_id, entered_at, left_at)
         VALUES ($1, $2, $3, now() - $4::interval, now() - $5::interval)`,
        [tag, zone.id, floorId, entered, left],
      );
    for (let i = 0; i < 5; i++) await stay(`OLD-${i}`, '60 days', '50 days');
    await stay('RECENT', '6 days', '5 days');
    await stay('STILL-THERE', '100 days', null); // open for 100 days: never purged while open
    await sut.query(
      `INSERT INTO tag_passage (tag_id, zone_id, direction, passed_at)
       VALUES ('P1', $1, 'entered', now() - interval '40 days'), ('P1', $1, 'left', now() - interval '1 day')`,
      [zone.id],
    );
    const alert = (subject: string, state: string, opened: string, resolved: string | null) =>
      sut.query(
        `INSERT INTO alert (kind, subject_type, subject_id, subject_label, severity, state, opened_at,
                            acknowledged_at, resolved_at)
         VALUES ('low_battery', 'tag', $1, $1, 'warning', $2, now() - $3::interval,
                 CASE WHEN $2 = 'acknowledged' THEN now() - $3::interval END, now() - $4::interval)`,
        [subject, state, opened, resolved],
      );
    await alert('A-OLD-RESOLVED', 'resolved', '70 days', '60 days');
    await alert('A-RECENT-RESOLVED', 'resolved', '10 days', '5 days');
    await alert('A-OLD-OPEN', 'open', '100 days', null);
    await alert('A-OLD-ACK', 'acknowledged', '100 days', null);
    await sut.query(
      `INSERT INTO ingest_batch (batch_id, device_id, read_count, received_at, processed_at, location_changes)
       VALUES ('old', gen_random_uuid(), 300, now() - interval '10 days', now() - interval '10 days', 2),
              ('new', gen_random_uuid(), 300, now() - interval '1 day', now() - interval '1 day', 1)`,
    );
    // Audit entries can be written with any time (inserting is allowed); 3 old, 2 recent.
    for (const age of ['200 days', '150 days', '91 days', '89 days', '10 days']) {
      await sut.query(
        `INSERT INTO audit_log (occurred_at, actor_type, actor_label, action, subject_type, subject_id)
         VALUES (now() - $1::interval, 'system', 'seed', 'update', 'asset', $1)`,
        [age],
      );
    }
  }

  it('waits while another process holds the retention lock', async () => {
    await seed();
    const other = new Client({ connectionString: databaseUrl(sut.database) });
    await other.connect();
    try {
      await other.query('SELECT pg_advisory_lock($1)', [RETENTION_LOCK_KEY]);
      const skipped = await run();
      expect(skipped).toEqual({ ran: false, outcomes: [] });
      expect(await count(`tag_stay WHERE tag_id LIKE 'OLD-%'`)).toBe(5);
    } finally {
      await other.end();
    }
  });

  it('deletes what is older than each table keeps, in chunks, and leaves recent and open history alone', async () => {
    const auditBefore = await count('audit_log');
    const result = await run();
    expect(result.ran).toBe(true);
    expect(result.outcomes).toEqual([
      { table: 'tag_stay', days: 30, deleted: 5 },
      { table: 'tag_passage', days: 30, deleted: 1 },
      { table: 'alert', days: 30, deleted: 1 },
      { table: 'ingest_batch', days: 7, deleted: 1 },
      { table: 'audit_log', days: 90, deleted: 3 },
    ]);
    expect(
      (await sut.query<{ tag_id: string }>(`SELECT tag_id FROM tag_stay ORDER BY tag_id`)).map((r) => r.tag_id),
    ).toEqual(['RECENT', 'STILL-THERE']);
    expect(await count(`tag_passage`)).toBe(1);
    expect(
      (await sut.query<{ subject_id: string }>(`SELECT subject_id FROM alert ORDER BY subject_id`)).map(
        (r) => r.subject_id,
      ),
    ).toEqual(['A-OLD-ACK', 'A-OLD-OPEN', 'A-RECENT-RESOLVED']);
    expect((await sut.query<{ batch_id: string }>(`SELECT batch_id FROM ingest_batch`)).map((r) => r.batch_id)).toEqual(
      ['new'],
    );
    expect(await count(`audit_log WHERE actor_label = 'seed'`)).toBe(2);
    // Three old entries went in two chunks (2 + 1): each purge wrote its own entry first.
    expect(await count('audit_log')).toBe(auditBefore - 3 + 2);

    // A second run finds nothing more to do.
    expect((await run()).outcomes.every((o) => o.deleted === 0)).toBe(true);
  });

  it('leaves the purge in the audit log, where an admin sees it', async () => {
    const res = await sut.request('GET', '/api/v1/audit?subject=audit_log', { token: await sut.signIn('admin') });
    expect(res.status).toBe(200);
    const entries = res.body as {
      action: string;
      actor: { label: string };
      before: { rows: number; retentionDays: number };
    }[];
    expect(entries.map((e) => [e.action, e.actor.label, e.before.rows, e.before.retentionDays]).sort()).toEqual([
      ['delete', 'retention', 1, 90],
      ['delete', 'retention', 2, 90],
    ]);
  });

  it('refuses every other way of removing or changing audit history', async () => {
    const db = new Client({ connectionString: databaseUrl(sut.database) });
    await db.connect();
    const refused = async (sql: string) => {
      await db.query('BEGIN');
      try {
        await db.query(sql);
        return false;
      } catch (e) {
        return /append-only|keeps at least 30 days/.test((e as Error).message);
      } finally {
        await db.query('ROLLBACK');
      }
    };
    try {
      expect(await refused(`DELETE FROM audit_log WHERE actor_label = 'seed'`)).toBe(true);
      expect(await refused(`UPDATE audit_log SET actor_label = 'someone else'`)).toBe(true);
      expect(await refused(`TRUNCATE audit_log`)).toBe(true);
      // Too recent for the purge function.
      expect(await refused(`SELECT audit_log_purge(7, 1000, 'me')`)).toBe(true);
      // Pointing the purge setting at an existing purge entry from another transaction.
      expect(
        await refused(`
          DO $$ BEGIN
            PERFORM set_config('wardtrack.audit_purge_entry',
              (SELECT max(id)::text FROM audit_log WHERE subject_type = 'audit_log'), true);
            DELETE FROM audit_log WHERE actor_label = 'seed';
          END $$`),
      ).toBe(true);
      // Forging a purge entry in this transaction whose cutoff is recent enough to cover the remaining rows.
      expect(
        await refused(`
          DO $$ DECLARE forged bigint; BEGIN
            INSERT INTO audit_log (actor_type, actor_label, action, subject_type, subject_id, before)
            VALUES ('system', 'me', 'delete', 'audit_log', 'x', jsonb_build_object('olderThan', now()))
            RETURNING id INTO forged;
            PERFORM set_config('wardtrack.audit_purge_entry', forged::text, true);
            DELETE FROM audit_log WHERE actor_label = 'seed';
          END $$`),
      ).toBe(true);
    } finally {
      await db.end();
    }
    expect(await count(`audit_log WHERE actor_label = 'seed'`)).toBe(2);
  });
});
