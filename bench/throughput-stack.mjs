// The system under test for the throughput benchmark: a fresh PostgreSQL database, Wardtrack's
// api and worker processes on the local Redis under their own queue prefix, the bench's
// readers and gateways, and the probes that read CPU, memory, queue backlog and row counters.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { join } from 'node:path';
import pg from 'pg';

const CLK_TCK = 100; // Linux USER_HZ; /proc/<pid>/stat times are in these ticks

export function freePort() {
  return new Promise((done, fail) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => done(port));
    });
    s.on('error', fail);
  });
}

/** User + system CPU of a process so far, in milliseconds (null once it is gone). */
export function cpuMs(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name may contain spaces: fields are counted after its closing parenthesis.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLK_TCK;
  } catch {
    return null;
  }
}

/** Resident set size in bytes (null once it is gone). */
export function rssBytes(pid) {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : null;
  } catch {
    return null;
  }
}

export async function createDatabase(adminUrl, name) {
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
}

export async function dropDatabase(adminUrl, name) {
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  } finally {
    await admin.end();
  }
}

/** One Wardtrack process (api or worker) from the built backend, its output kept for diagnosis. */
export class WardtrackProcess {
  constructor({ dist, role, port, env, nodeArgs = [], name }) {
    this.role = role;
    this.port = port;
    this.name = name;
    this.url = `http://127.0.0.1:${port}`;
    this.output = [];
    this.child = spawn(process.execPath, [...nodeArgs, join(dist, 'main.js')], {
      env: { ...process.env, ...env, ROLE: role, PORT: String(port), HOST: '127.0.0.1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.pid = this.child.pid;
    const keep = (chunk) => {
      this.output.push(chunk.toString());
      if (this.output.length > 200) this.output.splice(0, this.output.length - 200);
    };
    this.child.stdout.on('data', keep);
    this.child.stderr.on('data', keep);
    this.exited = new Promise((done) => this.child.on('exit', (code, signal) => done({ code, signal })));
  }

  tail(lines = 30) {
    return this.output.join('').split('\n').slice(-lines).join('\n');
  }

  async waitHealthy(timeoutMs = 120_000) {
    const until = Date.now() + timeoutMs;
    let gone = false;
    void this.exited.then(() => (gone = true));
    while (Date.now() < until) {
      if (gone) throw new Error(`${this.name} exited during start-up:\n${this.tail()}`);
      const ok = await fetch(`${this.url}/api/v1/health`).then(
        (r) => r.ok,
        () => false,
      );
      if (ok) return;
      await new Promise((r) => setTimeout(r, 250));
    }
    throw new Error(`${this.name} not healthy within ${timeoutMs} ms:\n${this.tail()}`);
  }

  /** SIGTERM (a clean shutdown writes --cpu-prof profiles), SIGKILL after 15 s. */
  async stop() {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 15_000);
    await this.exited;
    clearTimeout(timer);
  }

  /** V8 heap in use, from the process's Prometheus metrics (prom-client default metrics), when it has them. */
  async heapUsedBytes(metricsToken) {
    for (const path of ['/api/v1/metrics', '/metrics']) {
      try {
        const res = await fetch(`${this.url}${path}`, {
          headers: { authorization: `Bearer ${metricsToken}` },
          signal: AbortSignal.timeout(3000),
        });
        if (!res.ok) continue;
        const m = /^(?:wardtrack_)?nodejs_heap_size_used_bytes(?:\{[^}]*\})?\s+([0-9.e+]+)/m.exec(await res.text());
        if (m) return Number(m[1]);
      } catch {
        // not exposed here
      }
    }
    return null;
  }
}

/**
 * Registers the bench's readers and gateways straight in the database, with keys from the app's
 * own key helper (only the hash is stored, as the devices API does). Readers get four antennas
 * on zones of one floor; gateways sit at zone anchors spread over the floors.
 */
export async function seedDevices(db, dist, { readers, gateways, runId }) {
  const { issueDeviceKey } = createRequire(import.meta.url)(join(dist, 'devices/device-key.js'));
  const zones = (
    await db.query(
      `SELECT z.id, z.floor_id, z.centroid_x AS cx, z.centroid_y AS cy, f.level
       FROM zone z JOIN floor f ON f.id = z.floor_id ORDER BY f.level, z.code`,
    )
  ).rows.map((z) => ({ id: z.id, floorId: z.floor_id, cx: z.cx, cy: z.cy }));
  if (zones.length === 0) throw new Error('no zones: the floor plans were not imported');
  // The demo site's own readers and gateways would never send: a gateway the engine knows but
  // that never hears a beacon next to it is evidence against that spot. The engine is to see
  // exactly the devices of the load.
  await db.query(`DELETE FROM device`);
  const devices = [];
  const rows = [];
  for (let i = 0; i < readers + gateways; i++) {
    const reader = i < readers;
    const issued = issueDeviceKey();
    const anchor = zones[(i * 7) % zones.length];
    const device = {
      code: `${reader ? 'RDR' : 'GW'}-BENCH-${runId}-${i}`,
      kind: reader ? 'rfid_reader' : 'ble_gateway',
      key: issued.key,
      floorId: anchor.floorId,
      x: anchor.cx,
      y: anchor.cy,
      antennas: [],
    };
    if (reader) {
      const sameFloor = zones.filter((z) => z.floorId === anchor.floorId);
      const first = sameFloor.indexOf(anchor);
      for (let port = 1; port <= 4; port++) {
        const z = sameFloor[(first + port - 1) % sameFloor.length];
        device.antennas.push({ port, zoneId: z.id, floorId: z.floorId });
      }
    }
    devices.push(device);
    rows.push([
      device.code,
      device.kind,
      reader ? null : device.floorId,
      reader ? null : device.x,
      reader ? null : device.y,
      issued.prefix,
      issued.hash,
    ]);
  }
  const ids = (
    await db.query(
      `INSERT INTO device (code, name, kind, vendor_format, floor_id, x, y, key_prefix, key_hash, key_created_at)
       SELECT u.code, 'Throughput bench ' || u.code, u.kind, 'generic', u.floor_id, u.x, u.y, u.prefix, u.hash, now()
       FROM unnest($1::text[], $2::text[], $3::uuid[], $4::float8[], $5::float8[], $6::text[], $7::text[])
         WITH ORDINALITY AS u(code, kind, floor_id, x, y, prefix, hash, n)
       ORDER BY u.n RETURNING id`,
      [0, 1, 2, 3, 4, 5, 6].map((c) => rows.map((r) => r[c])),
    )
  ).rows.map((r) => r.id);
  devices.forEach((d, i) => (d.id = ids[i]));
  const antennas = devices.flatMap((d) => d.antennas.map((a) => [d.id, a.port, a.zoneId]));
  await db.query(
    `INSERT INTO antenna (device_id, port, zone_id) SELECT * FROM unnest($1::uuid[], $2::int[], $3::uuid[])`,
    [0, 1, 2].map((c) => antennas.map((a) => a[c])),
  );
  return { devices, zones };
}

/**
 * Jobs waiting or running in every BullMQ queue under the prefix (found by their meta keys, so
 * it holds however ingest splits its queues): wait + paused + active lists, delayed + prioritized sets.
 */
export async function queueBacklog(redis, prefix) {
  const metas = [];
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*:meta`, 'COUNT', 1000);
    cursor = next;
    metas.push(...keys);
  } while (cursor !== '0');
  if (metas.length === 0) return 0;
  const pipeline = redis.pipeline();
  for (const meta of metas) {
    const q = meta.slice(0, -':meta'.length);
    pipeline.llen(`${q}:wait`).llen(`${q}:paused`).llen(`${q}:active`).zcard(`${q}:delayed`).zcard(`${q}:prioritized`);
  }
  const results = await pipeline.exec();
  return results.reduce((sum, [err, n]) => sum + (err ? 0 : Number(n)), 0);
}

/** Rows inserted, updated and deleted in the bench database so far (PostgreSQL's cumulative statistics). */
export async function rowsWritten(db, database) {
  const { rows } = await db.query(
    `SELECT tup_inserted + tup_updated + tup_deleted AS n FROM pg_stat_database WHERE datname = $1`,
    [database],
  );
  return Number(rows[0]?.n ?? 0);
}

/** CPU of the PostgreSQL backends serving the bench database (they serve nothing else). */
export async function postgresBackendsCpuMs(db, database) {
  const { rows } = await db.query(`SELECT pid FROM pg_stat_activity WHERE datname = $1`, [database]);
  const perPid = new Map();
  for (const { pid } of rows) {
    const ms = cpuMs(pid);
    if (ms !== null) perPid.set(pid, ms);
  }
  return perPid;
}

/** Redis's own CPU counter (the server is shared with other users of this machine). */
export async function redisCpuMs(redis) {
  const info = await redis.info('cpu');
  const get = (k) => Number(new RegExp(`${k}:([0-9.]+)`).exec(info)?.[1] ?? 0);
  return (get('used_cpu_sys') + get('used_cpu_user')) * 1000;
}

export function randomSecret() {
  return randomBytes(48).toString('base64url');
}

export function distExists(dist) {
  return existsSync(join(dist, 'main.js'));
}
