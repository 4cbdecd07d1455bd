import { DataSource, type DataSourceOptions } from 'typeorm';
import { ENTITIES, MIGRATIONS } from './schema';

/** TypeORM options shared by the app, the migration command and the tests. Never `synchronize`. */
export function dataSourceOptions(url: string, poolSize: number): DataSourceOptions {
  return {
    type: 'postgres',
    url,
    entities: ENTITIES,
    migrations: MIGRATIONS,
    migrationsTableName: 'schema_migration',
    synchronize: false,
    migrationsRun: false,
    logging: false,
    extra: { max: poolSize, application_name: 'wardtrack' },
  };
}

// Any constant works as long as every Wardtrack process uses the same one.
const MIGRATION_LOCK_KEY = 0x77617264; // "ward"

/**
 * Runs pending migrations while holding a PostgreSQL advisory lock, so an api and a worker
 * starting together cannot both migrate. A pool of one connection (embedded PGlite, which is
 * single-process anyway) cannot hold the lock on a second connection, so it migrates directly.
 */
export async function migrate(dataSource: DataSource, poolSize: number): Promise<string[]> {
  if (poolSize < 2) {
    return (await dataSource.runMigrations({ transaction: 'each' })).map((m) => m.name);
  }
  const lockRunner = dataSource.createQueryRunner();
  await lockRunner.connect();
  try {
    await lockRunner.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    try {
      return (await dataSource.runMigrations({ transaction: 'each' })).map((m) => m.name);
    } finally {
      await lockRunner.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]);
    }
  } finally {
    await lockRunner.release();
  }
}

/** Opens a data source and brings its schema up to date. */
export async function openDatabase(url: string, poolSize: number): Promise<DataSource> {
  const dataSource = new DataSource(dataSourceOptions(url, poolSize));
  await dataSource.initialize();
  await migrate(dataSource, poolSize);
  return dataSource;
}
