/** Where the tests find PostgreSQL and Redis: DATABASE_URL / REDIS_URL, defaulting to this machine. */
export const ADMIN_DATABASE_URL =
  process.env.TEST_DATABASE_URL ?? process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
export const REDIS_URL = process.env.TEST_REDIS_URL ?? process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/** One id per `jest` run (set by global setup), so two runs on one server never collide. */
export function runId(): string {
  const id = process.env.WT_TEST_RUN;
  if (!id) throw new Error('WT_TEST_RUN not set: run the tests through jest (global setup sets it)');
  return id;
}

export const templateDb = (): string => `wt_test_${runId()}_template`;

/** The same server, another database. */
export function databaseUrl(database: string): string {
  const url = new URL(ADMIN_DATABASE_URL);
  url.pathname = `/${database}`;
  return url.toString();
}
