import { createReadStream, createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import type { DataSource, QueryRunner } from 'typeorm';

/** First line of an export file. */
export interface ExportHeader {
  format: 'wardtrack-export';
  version: 1;
  exportedAt: string;
  /** Migrations the source had applied; the target must have exactly these. */
  migrations: string[];
  tables: string[];
}

/** Before each table's rows: its name and how many row lines follow. */
interface TableHeader {
  table: string;
  rows: number;
}

export interface TransferSummary {
  tables: { table: string; rows: number }[];
}

/** Tables never copied: the target's own migration bookkeeping. */
const SKIPPED = new Set(['schema_migration']);
const PAGE = 2_000;

/** Raised for a file or target database that cannot be imported; the command prints it and exits 1. */
export class TransferError extends Error {}

/**
 * Every table of the public schema, parents before children (foreign keys), so rows can be
 * inserted in this order with every constraint checked as it goes.
 */
export async function tablesInDependencyOrder(q: QueryRunner): Promise<string[]> {
  const tables = (
    await rows<{ name: string }[]>(
      q,
      `SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') ORDER BY c.relname`,
    )
  )
    .map((r) => r.name)
    .filter((t) => !SKIPPED.has(t));
  const edges = await rows<{ child: string; parent: string }[]>(
    q,
    `SELECT c.relname AS child, p.relname AS parent FROM pg_constraint k
       JOIN pg_class c ON c.oid = k.conrelid JOIN pg_class p ON p.oid = k.confrelid
       JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE k.contype = 'f' AND n.nspname = 'public' AND c.oid <> p.oid`,
  );
  const parents = new Map(tables.map((t) => [t, new Set<string>()]));
  for (const e of edges) parents.get(e.child)?.add(e.parent);
  const ordered: string[] = [];
  const placed = new Set<string>();
  while (ordered.length < tables.length) {
    const ready = tables.filter((t) => !placed.has(t) && [...parents.get(t)!].every((p) => placed.has(p)));
    if (ready.length === 0) throw new TransferError(`foreign keys form a cycle among ${tables.join(', ')}`);
    for (const t of ready) {
      ordered.push(t);
      placed.add(t);
    }
  }
  return ordered;
}

async function appliedMigrations(q: QueryRunner): Promise<string[]> {
  return (await rows<{ name: string }[]>(q, `SELECT name FROM schema_migration ORDER BY timestamp, name`)).map(
    (r) => r.name,
  );
}

/** A query through the runner, typed (the runner's own query answers any). */
const rows = <T>(q: QueryRunner, sql: string, params: unknown[] = []): Promise<T> => q.query(sql, params) as Promise<T>;

const ident = (name: string) => `"${name.replace(/"/g, '""')}"`;

/**
 * Writes every table, as JSON lines, to `file` from one consistent snapshot: a header line, then
 * per table a `{table, rows}` line followed by one `row_to_json` line per row (PostgreSQL's own
 * JSON of each row: exact timestamps, arrays, jsonb, bytea as hex). Reads in pages through a cursor,
 * so the file may be larger than memory.
 */
export async function exportDatabase(dataSource: DataSource, file: string): Promise<TransferSummary> {
  const q = dataSource.createQueryRunner();
  await q.connect();
  const out = createWriteStream(file, { encoding: 'utf8', mode: 0o600 });
  const write = async (line: string) => {
    if (!out.write(`${line}\n`)) await once(out, 'drain');
  };
  const summary: TransferSummary = { tables: [] };
  try {
    await q.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    const tables = await tablesInDependencyOrder(q);
    const header: ExportHeader = {
      format: 'wardtrack-export',
      version: 1,
      exportedAt: new Date().toISOString(),
      migrations: await appliedMigrations(q),
      tables,
    };
    await write(JSON.stringify(header));
    for (const table of tables) {
      const [{ n }] = await rows<{ n: number }[]>(q, `SELECT count(*)::int AS n FROM ${ident(table)}`);
      await write(JSON.stringify({ table, rows: n } satisfies TableHeader));
      await q.query(`DECLARE export_rows NO SCROLL CURSOR FOR SELECT row_to_json(t)::text AS r FROM ${ident(table)} t`);
      let written = 0;
      for (;;) {
        const page = await rows<{ r: string }[]>(q, `FETCH ${PAGE} FROM export_rows`);
        for (const row of page) await write(row.r);
        written += page.length;
        if (page.length < PAGE) break;
      }
      await q.query('CLOSE export_rows');
      if (written !== n) throw new TransferError(`${table}: counted ${n} rows, wrote ${written}`);
      summary.tables.push({ table, rows: n });
    }
    await q.query('COMMIT');
  } catch (e) {
    await q.query('ROLLBACK').catch(() => undefined);
    throw e;
  } finally {
    await q.release();
    out.end();
    await once(out, 'close');
  }
  return summary;
}

/**
 * Loads an export into an empty database migrated to the same version, in one transaction: all of
 * it or nothing. Rows keep their ids (the audit log is carried over entry for entry: inserting is
 * the one thing its triggers allow), then every id sequence is moved past the highest imported id.
 */
export async function importDatabase(
  dataSource: DataSource,
  file: string,
  /** Runs inside the import's transaction once every row is in (e.g. to disable demo accounts). */
  afterLoad?: (q: QueryRunner) => Promise<void>,
): Promise<TransferSummary> {
  const lines = createInterface({ input: createReadStream(file, { encoding: 'utf8' }), crlfDelay: Infinity });
  const iterator = lines[Symbol.asyncIterator]();
  const next = async (): Promise<string | null> => {
    const r = await iterator.next();
    return r.done ? null : r.value;
  };
  const first = await next();
  let header: ExportHeader;
  try {
    header = JSON.parse(first ?? '') as ExportHeader;
  } catch {
    throw new TransferError(`${file} is not a Wardtrack export (no header line)`);
  }
  if (header.format !== 'wardtrack-export' || header.version !== 1) {
    throw new TransferError(`${file} is not a Wardtrack export of format version 1`);
  }
  const q = dataSource.createQueryRunner();
  await q.connect();
  const summary: TransferSummary = { tables: [] };
  let inTransaction = false;
  try {
    const migrations = await appliedMigrations(q);
    if (JSON.stringify(migrations) !== JSON.stringify(header.migrations)) {
      throw new TransferError(
        `the export was taken at schema ${header.migrations.at(-1) ?? '(none)'}, this database is at ` +
          `${migrations.at(-1) ?? '(none)'}: export and import with the same Wardtrack version`,
      );
    }
    const tables = await tablesInDependencyOrder(q);
    const unknown = header.tables.filter((t) => !tables.includes(t));
    if (unknown.length > 0) throw new TransferError(`tables missing here: ${unknown.join(', ')}`);
    const filled: string[] = [];
    for (const table of tables) {
      if ((await rows<unknown[]>(q, `SELECT 1 FROM ${ident(table)} LIMIT 1`)).length > 0) filled.push(table);
    }
    if (filled.length > 0) {
      throw new TransferError(
        `the target database is not empty (${filled.join(', ')}): import into a freshly migrated database ` +
          '(`node dist/backend/main.js migrate`, before any Wardtrack process started on it)',
      );
    }
    await q.query('BEGIN');
    inTransaction = true;
    for (const expected of header.tables) {
      const tableLine = await next();
      const th = tableLine ? (JSON.parse(tableLine) as TableHeader) : null;
      if (!th || th.table !== expected) throw new TransferError(`expected the rows of ${expected}; file truncated?`);
      let batch: string[] = [];
      const flush = async () => {
        if (batch.length === 0) return;
        await q.query(
          `INSERT INTO ${ident(th.table)} SELECT * FROM json_populate_recordset(null::${ident(th.table)}, $1::json)`,
          [`[${batch.join(',')}]`],
        );
        batch = [];
      };
      for (let i = 0; i < th.rows; i++) {
        const row = await next();
        if (row === null) throw new TransferError(`${th.table}: file ends after ${i} of ${th.rows} rows`);
        batch.push(row);
        if (batch.length >= PAGE) await flush();
      }
      await flush();
      summary.tables.push({ table: th.table, rows: th.rows });
    }
    if ((await next()) !== null) throw new TransferError('unexpected lines after the last table');
    await advanceSequences(q, header.tables);
    await afterLoad?.(q);
    await q.query('COMMIT');
    inTransaction = false;
  } catch (e) {
    if (inTransaction) await q.query('ROLLBACK').catch(() => undefined);
    throw e;
  } finally {
    await q.release();
    lines.close();
  }
  return summary;
}

/** Moves each serial/identity sequence past the highest id now in its table, so new rows get fresh ids. */
async function advanceSequences(q: QueryRunner, tables: string[]): Promise<void> {
  const columns = await rows<{ table: string; column: string; seq: string }[]>(
    q,
    `SELECT c.table_name AS table, c.column_name AS column,
            pg_get_serial_sequence(quote_ident(c.table_name), c.column_name) AS seq
       FROM information_schema.columns c
      WHERE c.table_schema = 'public' AND c.table_name = ANY($1)
        AND pg_get_serial_sequence(quote_ident(c.table_name), c.column_name) IS NOT NULL`,
    [tables],
  );
  for (const c of columns) {
    await q.query(
      `SELECT setval($1, coalesce((SELECT max(${ident(c.column)}) FROM ${ident(c.table)}), 0) + 1, false)`,
      [c.seq],
    );
  }
}
