// What each table costs on disk as it grows: inserts N realistic rows per history table into a
// scratch database migrated by the built app, measures bytes per row (heap + TOAST + every index,
// after VACUUM), and multiplies by stated per-tag-per-day rates.
//
//   npm run bench:storage            (ROWS=100000 by default; BENCH_DATABASE_URL or TEST_DATABASE_URL
//                                     names the server, default postgres://postgres@127.0.0.1:5432/postgres)
//
// Prints a table and writes bench/results/storage.{json,md}.
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const { openDatabase } = require(join(root, 'dist/backend/database/data-source.js'));
const { runRetention, RETENTION_CHUNK } = require(join(root, 'dist/backend/operations/retention.js'));

const ROWS = Number(process.env.ROWS ?? 100_000);
const TAGS = 1_000;
const READS_PER_TAG_PER_SECOND = Number(process.env.READS_PER_TAG_PER_SECOND ?? 1);
const READS_PER_BATCH = 300;
const PARTS_PER_BATCH = Number(process.env.PARTS_PER_BATCH ?? 4);
const SERVER =
  process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/**
 * Rows each tag (or the site, per tag) adds per day. These are assumptions, stated so they can be
 * changed: a busy infusion pump changes rooms often; most equipment far less.
 */
const RATES = {
  tag_stay: { perTagPerDay: 30, why: '30 zone changes (stays) per asset per day: a busy pump on a ward' },
  tag_passage: { perTagPerDay: 10, why: '10 doorway portal passages per asset per day' },
  ingest_batch: {
    perTagPerDay: ((86_400 * READS_PER_TAG_PER_SECOND) / READS_PER_BATCH) * PARTS_PER_BATCH,
    why:
      `ledger: one row per queued batch part; a tag read ${READS_PER_TAG_PER_SECOND}/s on average, posts of ` +
      `${READS_PER_BATCH} reads, each split into ${PARTS_PER_BATCH} partition parts (LOCATION_PARTITIONS) when it carries many tags`,
  },
  alert: { perTagPerDay: 0.05, why: 'one alert (low battery, missing, exit ...) per tag every 20 days' },
  audit_log: {
    perTagPerDay: 2,
    why: '2 audited changes per asset per day (status: in use, needs cleaning, available)',
  },
  tag_location: { perTagPerDay: 0, why: 'one row per tag, updated in place: no growth' },
  tag_telemetry: { perTagPerDay: 0, why: 'one row per tag, upserted: no growth' },
};

const retentionDays = { tag_stay: 365, tag_passage: 365, ingest_batch: 7, alert: 365, audit_log: null };

const name = `wardtrack_storage_${randomBytes(4).toString('hex')}`;
const admin = new pg.Client({ connectionString: SERVER });
await admin.connect();
await admin.query(`CREATE DATABASE ${name}`);
const url = new URL(SERVER);
url.pathname = `/${name}`;
const results = [];
let purge = null;
try {
  const ds = await openDatabase(url.toString(), 2);
  await ds.destroy();
  const db = new pg.Client({ connectionString: url.toString() });
  await db.connect();
  try {
    // A small facility for the foreign keys: one site, building, floor and 100 zones.
    await db.query(`INSERT INTO site (code, name, time_zone) VALUES ('S', 'Site', 'Europe/London')`);
    await db.query(`INSERT INTO building (site_id, code, name) SELECT id, 'B', 'Building' FROM site`);
    await db.query(`INSERT INTO floor (building_id, code, name, level, width_m, height_m, plan_svg)
                    SELECT id, 'F1', 'Floor 1', 1, 80, 40, '<svg/>' FROM building`);
    await db.query(`INSERT INTO zone (floor_id, code, name, kind, care_unit, polygon, centroid_x, centroid_y)
                    SELECT f.id, 'Z' || i, 'Room ' || i, 'room', '4 West', '[[0,0],[4,0],[4,4],[0,4]]'::jsonb, 2, 2
                      FROM floor f, generate_series(1, 100) i`);
    await db.query(`INSERT INTO device (code, name, kind, vendor_format)
                    SELECT 'RDR-' || i, 'Reader ' || i, 'rfid_reader', 'impinj-iot' FROM generate_series(1, 20) i`);
    const epc = `upper(lpad(to_hex(3034257000 + (g % ${TAGS})), 24, '0'))`;
    const inserts = {
      // Closed stays, in time order, as the engine writes them (plus the open one per tag the engine keeps).
      tag_stay: `INSERT INTO tag_stay (tag_id, zone_id, floor_id, entered_at, left_at)
        SELECT ${epc}, z.id, z.floor_id, now() - make_interval(secs => ($1 - g) * 60),
               now() - make_interval(secs => ($1 - g) * 60 - 45)
          FROM generate_series(1, $1) g
          JOIN LATERAL (SELECT id, floor_id FROM zone ORDER BY code OFFSET (g % 100) LIMIT 1) z ON true`,
      tag_passage: `INSERT INTO tag_passage (tag_id, zone_id, direction, passed_at)
        SELECT ${epc}, z.id, CASE WHEN g % 2 = 0 THEN 'entered' ELSE 'left' END,
               now() - make_interval(secs => ($1 - g) * 7)
          FROM generate_series(1, $1) g
          JOIN LATERAL (SELECT id FROM zone ORDER BY code OFFSET (g % 100) LIMIT 1) z ON true`,
      ingest_batch: `INSERT INTO ingest_batch (batch_id, device_id, read_count, received_at, processed_at, location_changes)
        SELECT d.id || ':rdr-' || lpad(g::text, 10, '0') || ':p' || (g % 8), d.id, 300,
               now() - make_interval(secs => ($1 - g) * 10), now() - make_interval(secs => ($1 - g) * 10), g % 5
          FROM generate_series(1, $1) g
          JOIN LATERAL (SELECT id FROM device ORDER BY code OFFSET (g % 20) LIMIT 1) d ON true`,
      alert: `INSERT INTO alert (kind, subject_type, subject_id, subject_label, severity, state, details, opened_at,
                                 resolved_at, resolved_reason)
        SELECT 'low_battery', 'tag', ${epc} || '-' || g, 'Infusion pump IP-' || (g % ${TAGS}), 'warning', 'resolved',
               jsonb_build_object('batteryPercent', 12, 'batteryMv', 2410, 'tagId', ${epc}),
               now() - interval '3 days', now() - interval '2 days', 'battery replaced'
          FROM generate_series(1, $1) g`,
      audit_log: `INSERT INTO audit_log (actor_type, actor_id, actor_label, action, subject_type, subject_id, before, after, request_id)
        SELECT 'user', gen_random_uuid()::text, 'nurse' || (g % 50) || '@hospital.example', 'update', 'asset',
               gen_random_uuid()::text,
               jsonb_build_object('status', 'in_use', 'name', 'Infusion pump IP-' || g, 'assetType', 'infusion_pump',
                                  'serial', 'SN' || g, 'homeUnit', '4 West', 'tagId', ${epc}),
               jsonb_build_object('status', 'needs_cleaning', 'name', 'Infusion pump IP-' || g, 'assetType', 'infusion_pump',
                                  'serial', 'SN' || g, 'homeUnit', '4 West', 'tagId', ${epc}),
               gen_random_uuid()::text
          FROM generate_series(1, $1) g`,
      tag_location: `INSERT INTO tag_location (tag_id, zone_id, floor_id, x, y, device_id, antenna_port, rssi, zone_since, last_seen_at)
        SELECT 'T' || lpad(g::text, 23, '0'), z.id, z.floor_id, 12.5, 7.25, NULL, 1, -52.5, now(), now()
          FROM generate_series(1, $1) g
          JOIN LATERAL (SELECT id, floor_id FROM zone ORDER BY code OFFSET (g % 100) LIMIT 1) z ON true`,
      tag_telemetry: `INSERT INTO tag_telemetry (tag_id, battery_mv, battery_percent, temperature_c, updated_at)
        SELECT 'T' || lpad(g::text, 23, '0'), 2900, 87, 21.5, now() FROM generate_series(1, $1) g`,
    };
    for (const [table, sql] of Object.entries(inserts)) {
      const before = await size(db, table);
      const started = performance.now();
      await db.query(sql, [ROWS]).catch(async (e) => {
        throw new Error(`${table}: ${e.message}`);
      });
      const insertMs = performance.now() - started;
      await db.query(`VACUUM (ANALYZE) ${table}`);
      const after = await size(db, table);
      const [{ tuple }] = (
        await db.query(`SELECT avg(pg_column_size(t.*))::float8 AS tuple FROM (SELECT * FROM ${table} LIMIT 10000) t`)
      ).rows;
      const bytesPerRow = (after.total - before.total) / ROWS;
      const rate = RATES[table];
      const perTagPerDay = bytesPerRow * rate.perTagPerDay;
      const days = retentionDays[table] ?? null;
      results.push({
        table,
        rows: ROWS,
        bytesPerRow: Math.round(bytesPerRow),
        heapBytesPerRow: Math.round((after.heap - before.heap) / ROWS),
        indexBytesPerRow: Math.round((after.indexes - before.indexes) / ROWS),
        avgTupleBytes: Math.round(tuple),
        rowsPerTagPerDay: rate.perTagPerDay,
        assumption: rate.why,
        bytesPerTagPerDay: Math.round(perTagPerDay),
        mbPer10kTagsPerDay: +((perTagPerDay * 10_000) / 1e6).toFixed(1),
        retentionDays: days,
        gbPer10kTagsAtRetention: days === null ? null : +((perTagPerDay * 10_000 * days) / 1e9).toFixed(1),
        insertRowsPerSecond: Math.round(ROWS / (insertMs / 1000)),
      });
    }
    // How fast the daily purge deletes, through the real code: the stays span ROWS minutes back, the
    // ledger ROWS x 10 s; keep 30 days of stays and 7 of the ledger (alerts and audit kept).
    const ds = await openDatabase(url.toString(), 2);
    const silent = { info() {}, warn() {}, error() {}, debug() {} };
    const started = performance.now();
    const run = await runRetention(ds, { staysDays: 30, alertsDays: 0, ledgerDays: 7, auditDays: 0 }, silent, {
      poolSize: 2,
    });
    const purgeMs = performance.now() - started;
    await ds.destroy();
    const deleted = run.outcomes.reduce((n, o) => n + o.deleted, 0);
    purge = {
      deleted,
      byTable: Object.fromEntries(run.outcomes.filter((o) => o.deleted > 0).map((o) => [o.table, o.deleted])),
      seconds: +(purgeMs / 1000).toFixed(2),
      rowsPerSecond: Math.round(deleted / (purgeMs / 1000)),
      chunk: RETENTION_CHUNK,
    };
  } finally {
    await db.end();
  }
} finally {
  await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await admin.end();
}

async function size(db, table) {
  const { rows } = await db.query(
    `SELECT pg_total_relation_size($1)::float8 AS total, pg_relation_size($1)::float8 AS heap,
            pg_indexes_size($1)::float8 AS indexes`,
    [table],
  );
  return rows[0];
}

const header =
  '| table | bytes/row (heap + indexes) | heap | indexes | avg tuple | rows/tag/day (assumed) | bytes/tag/day | MB/day per 10k tags | kept (days, default) | GB per 10k tags at that retention |';
const lines = results.map(
  (r) =>
    `| ${r.table} | ${r.bytesPerRow} | ${r.heapBytesPerRow} | ${r.indexBytesPerRow} | ${r.avgTupleBytes} | ${+r.rowsPerTagPerDay.toFixed(2)} | ${r.bytesPerTagPerDay} | ${r.mbPer10kTagsPerDay} | ${r.retentionDays ?? 'forever'} | ${r.gbPer10kTagsAtRetention ?? '—'} |`,
);
const table = [header, `|${' --- |'.repeat(10)}`, ...lines].join('\n');
const assumptions = results.map((r) => `- \`${r.table}\`: ${r.assumption}`).join('\n');
const { rows: version } = await (async () => {
  const c = new pg.Client({ connectionString: SERVER });
  await c.connect();
  const v = await c.query(`SELECT current_setting('server_version') AS v`);
  await c.end();
  return v;
})();
const purged = Object.entries(purge.byTable)
  .map(([t, n]) => `${n} ${t}`)
  .join(', ');
const md =
  `# Storage per table (npm run bench:storage)\n\n${ROWS} rows per table, PostgreSQL ${version[0].v}, ${new Date().toISOString()}.\n\n${table}\n\nAssumptions:\n\n${assumptions}\n` +
  `\nRetention purge (the real code, chunks of ${purge.chunk} rows): ${purge.deleted} rows (${purged}) in ${purge.seconds} s, ${purge.rowsPerSecond} rows/s.\n`;
process.stdout.write(`${md}\n`);
mkdirSync(join(root, 'bench/results'), { recursive: true });
writeFileSync(
  join(root, 'bench/results/storage.json'),
  JSON.stringify({ rows: ROWS, postgres: version[0].v, results, purge }, null, 2),
);
writeFileSync(join(root, 'bench/results/storage.md'), md);
