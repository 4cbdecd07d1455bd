import { DataSource } from 'typeorm';
import { dataSourceOptions, migrate } from '../src/database/data-source';
import { MIGRATIONS } from '../src/database/schema';
import { databaseUrl } from './test-env';
import { createTestDatabase, dropTestDatabase } from './harness';

describe('migrations', () => {
  let name: string;
  let dataSource: DataSource;

  beforeAll(async () => {
    name = await createTestDatabase();
    dataSource = new DataSource(dataSourceOptions(databaseUrl(name), 4));
    await dataSource.initialize();
  });
  afterAll(async () => {
    await dataSource.destroy();
    await dropTestDatabase(name);
  });

  const tables = async () =>
    (
      await dataSource.query<{ table_name: string }[]>(
        `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_name <> 'schema_migration' ORDER BY 1`,
      )
    ).map((r) => r.table_name);

  it('go all the way down and up again', async () => {
    expect(await tables()).toEqual(expect.arrayContaining(['app_user', 'audit_log', 'tag_location', 'ingest_batch']));
    for (let i = 0; i < MIGRATIONS.length; i++) await dataSource.undoLastMigration({ transaction: 'each' });
    expect(await tables()).toEqual([]);
    expect(await migrate(dataSource, 4)).toHaveLength(MIGRATIONS.length);
    expect(await tables()).toEqual(expect.arrayContaining(['app_user', 'audit_log', 'tag_location', 'ingest_batch']));
  });

  it('run once when several processes start together (advisory lock)', async () => {
    for (let i = 0; i < MIGRATIONS.length; i++) await dataSource.undoLastMigration({ transaction: 'each' });
    const others = await Promise.all(
      [1, 2, 3].map(async () => {
        const ds = new DataSource(dataSourceOptions(databaseUrl(name), 2));
        await ds.initialize();
        return ds;
      }),
    );
    const applied = await Promise.all(others.map((ds) => migrate(ds, 2)));
    await Promise.all(others.map((ds) => ds.destroy()));
    expect(applied.map((a) => a.length).sort()).toEqual([0, 0, MIGRATIONS.length]);
    const [{ n }] = await dataSource.query<{ n: number }[]>(`SELECT count(*)::int AS n FROM schema_migration`);
    expect(n).toBe(MIGRATIONS.length);
  });
});
