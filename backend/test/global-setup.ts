import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { openDatabase } from '../src/database/data-source';
import { ADMIN_DATABASE_URL, databaseUrl, templateDb } from './test-env';

/**
 * Runs the migrations once into a template database; every suite then gets its own copy
 * (CREATE DATABASE ... TEMPLATE), so suites never see each other's rows.
 */
export default async function globalSetup(): Promise<void> {
  process.env.WT_TEST_RUN = randomBytes(4).toString('hex');
  const admin = new Client({ connectionString: ADMIN_DATABASE_URL });
  try {
    await admin.connect();
  } catch (e) {
    throw new Error(`Tests need PostgreSQL at ${ADMIN_DATABASE_URL} (set TEST_DATABASE_URL): ${(e as Error).message}`, {
      cause: e,
    });
  }
  await admin.query(`CREATE DATABASE ${templateDb()}`);
  await admin.end();
  const dataSource = await openDatabase(databaseUrl(templateDb()), 2);
  await dataSource.destroy();
}
