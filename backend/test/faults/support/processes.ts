import { type ChildProcess, spawn } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { freePort } from '../../embedded-process';

export { freePort };

/**
 * The built server the fault tests start (`npm run test:faults` builds it first). WT_FAULTS_MAIN
 * points them at another build of the same tree.
 */
export const MAIN = process.env.WT_FAULTS_MAIN ?? resolve(__dirname, '../../../../dist/backend/main.js');

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Runs a command to its end without blocking the event loop (the load keeps running meanwhile). */
export function run(
  command: string,
  args: string[],
  timeoutMs = 60_000,
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ code: number | null; output: string }> {
  return new Promise((done, fail) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], env });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', fail);
    child.on('exit', (code) => {
      clearTimeout(timer);
      done({ code, output });
    });
  });
}

async function mustRun(command: string, args: string[], timeoutMs?: number): Promise<string> {
  const result = await run(command, args, timeoutMs);
  if (result.code !== 0) throw new Error(`${command} ${args.join(' ')} failed (${result.code}): ${result.output}`);
  return result.output;
}

/** Resolves once something accepts TCP connections on the port and answers `probe` as expected. */
function answers(port: number, probe: string, expect: RegExp): Promise<boolean> {
  return new Promise((done) => {
    const socket = connect(port, '127.0.0.1');
    let data = '';
    const finish = (ok: boolean) => {
      socket.destroy();
      done(ok);
    };
    socket.setTimeout(1000, () => finish(false));
    socket.on('error', () => finish(false));
    socket.on('connect', () => socket.write(probe));
    socket.on('data', (d) => {
      data += d.toString();
      if (expect.test(data)) finish(true);
    });
  });
}

/**
 * A private Redis configured as production runs it (append-only file fsynced every second,
 * noeviction, no RDB snapshots), on a random loopback port, with its data in a temp directory.
 */
export class RedisServer {
  private child?: ChildProcess;
  private log = '';

  private constructor(
    readonly port: number,
    readonly dir: string,
  ) {}

  static async start(): Promise<RedisServer> {
    const server = new RedisServer(await freePort(), mkdtempSync(join(tmpdir(), 'wardtrack-faults-redis-')));
    await server.start();
    return server;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** Starts (or restarts, on the same port and append-only file) the server. */
  async start(): Promise<void> {
    this.log = '';
    const child = spawn(
      'redis-server',
      [
        '--port',
        String(this.port),
        '--bind',
        '127.0.0.1',
        '--appendonly',
        'yes',
        '--appendfsync',
        'everysec',
        '--maxmemory-policy',
        'noeviction',
        '--dir',
        this.dir,
        '--save',
        '',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    child.stdout.on('data', (d: Buffer) => (this.log = (this.log + d.toString()).slice(-4000)));
    child.stderr.on('data', (d: Buffer) => (this.log = (this.log + d.toString()).slice(-4000)));
    this.child = child;
    const until = Date.now() + 20_000;
    while (Date.now() < until) {
      if (child.exitCode !== null) throw new Error(`redis-server exited: ${this.log}`);
      if (await answers(this.port, 'PING\r\n', /\+PONG/)) return;
      await sleep(50);
    }
    throw new Error(`redis-server did not answer: ${this.log}`);
  }

  /** SIGSTOP: connections stay open but nothing is answered (a hung or swapping server). */
  pause(): void {
    this.child?.kill('SIGSTOP');
  }

  resume(): void {
    this.child?.kill('SIGCONT');
  }

  /** SIGTERM: Redis shuts down cleanly (the append-only file is flushed); connections are refused until start(). */
  shutdown(): Promise<void> {
    return this.signal('SIGTERM');
  }

  async stop(): Promise<void> {
    this.resume();
    await this.signal('SIGKILL');
    rmSync(this.dir, { recursive: true, force: true });
  }

  private signal(signal: NodeJS.Signals): Promise<void> {
    return new Promise((done) => {
      const child = this.child;
      if (!child || child.exitCode !== null || child.signalCode !== null) return done();
      child.once('exit', () => done());
      child.kill(signal);
    });
  }
}

const AS_ROOT = process.getuid?.() === 0;

function postgresBin(): string {
  if (process.env.WT_FAULTS_PG_BIN) return process.env.WT_FAULTS_PG_BIN;
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root)
    ? readdirSync(root)
        .filter((v) => /^\d+$/.test(v))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  if (versions.length === 0)
    throw new Error('no PostgreSQL server binaries under /usr/lib/postgresql (set WT_FAULTS_PG_BIN)');
  return join(root, versions[0], 'bin');
}

/**
 * A private PostgreSQL cluster for one test (the shared server other suites use is never
 * restarted): initdb into a temp directory, trust authentication, listening on 127.0.0.1 only, on
 * a random port. PostgreSQL refuses to run as root, so as root the tools run as the `postgres` OS
 * user (runuser); as anyone else, as that user.
 */
export class PrivatePostgres {
  private readonly bin = postgresBin();
  private readonly data: string;

  private constructor(
    readonly port: number,
    readonly dir: string,
  ) {
    this.data = join(dir, 'data');
  }

  static async start(): Promise<PrivatePostgres> {
    const dir = mkdtempSync(join(tmpdir(), 'wardtrack-faults-pg-'));
    if (AS_ROOT) {
      const [uid, gid] = await Promise.all([mustRun('id', ['-u', 'postgres']), mustRun('id', ['-g', 'postgres'])]);
      chownSync(dir, Number(uid.trim()), Number(gid.trim()));
    }
    const pg = new PrivatePostgres(await freePort(), dir);
    await pg.asPostgres('initdb', [
      '-D',
      pg.data,
      '--auth=trust',
      '-U',
      'postgres',
      '-E',
      'UTF8',
      '--locale=C',
      '--no-sync',
    ]);
    await pg.start();
    return pg;
  }

  /** The server as the superuser, on a database of that name. */
  url(database = 'postgres'): string {
    return `postgres://postgres@127.0.0.1:${this.port}/${database}`;
  }

  async start(): Promise<void> {
    await this.asPostgres('pg_ctl', [
      '-D',
      this.data,
      '-l',
      join(this.dir, 'server.log'),
      '-w',
      '-o',
      `-p ${this.port} -c listen_addresses=127.0.0.1 -k ${this.dir}`,
      'start',
    ]);
  }

  /** A fast shutdown: open transactions are rolled back and clients disconnected. */
  async stopFast(): Promise<void> {
    await this.asPostgres('pg_ctl', ['-D', this.data, '-m', 'fast', '-w', 'stop']);
  }

  async destroy(): Promise<void> {
    await this.asPostgres('pg_ctl', ['-D', this.data, '-m', 'immediate', '-w', 'stop']).catch(() => undefined);
    rmSync(this.dir, { recursive: true, force: true });
  }

  private asPostgres(tool: string, args: string[]): Promise<string> {
    return AS_ROOT
      ? mustRun('runuser', ['-u', 'postgres', '--', join(this.bin, tool), ...args], 120_000)
      : mustRun(join(this.bin, tool), args, 120_000);
  }
}

export type Role = 'api' | 'worker';

/** One Wardtrack process (the built server), api or worker, that a test can kill -9 and start again. */
export class WardtrackProcess {
  private child?: ChildProcess;
  /** The last 20 kB of its output, for the failure message. */
  output = '';
  readonly url: string;
  /** Times it exited without being asked to. */
  unexpectedExits = 0;
  private stopping = false;

  constructor(
    readonly role: Role,
    private readonly port: number,
    private readonly env: Record<string, string>,
  ) {
    this.url = `http://127.0.0.1:${port}`;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  async start(): Promise<void> {
    this.stopping = false;
    const child = spawn(process.execPath, [MAIN], {
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        PORT: String(this.port),
        HOST: '127.0.0.1',
        ROLE: this.role,
        LOG_LEVEL: 'warn',
        DEMO_SIMULATOR: 'false',
        ...this.env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const keep = (d: Buffer) => (this.output = (this.output + d.toString()).slice(-20_000));
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    child.on('exit', (code, signal) => {
      if (!this.stopping) {
        this.unexpectedExits++;
        this.output += `\n[${this.role} exited unexpectedly: code ${code}, signal ${signal}]\n`;
      }
    });
    this.child = child;
    const until = Date.now() + 90_000;
    while (Date.now() < until) {
      if (child.exitCode !== null) throw new Error(`${this.role} exited at start: ${this.output.slice(-3000)}`);
      const ok = await fetch(`${this.url}/api/v1/health`, { signal: AbortSignal.timeout(2000) })
        .then((r) => r.status === 200)
        .catch(() => false);
      if (ok) return;
      await sleep(200);
    }
    throw new Error(`${this.role} did not become healthy: ${this.output.slice(-3000)}`);
  }

  /** SIGKILL: no shutdown hooks; whatever it was doing is cut off mid-way. */
  kill(): Promise<void> {
    return this.signal('SIGKILL');
  }

  stop(): Promise<void> {
    return this.signal('SIGTERM');
  }

  private signal(signal: NodeJS.Signals): Promise<void> {
    this.stopping = true;
    return new Promise((done) => {
      const child = this.child;
      if (!child || child.exitCode !== null || child.signalCode !== null) return done();
      const force = setTimeout(() => child.kill('SIGKILL'), 15_000);
      child.once('exit', () => {
        clearTimeout(force);
        done();
      });
      child.kill(signal);
    });
  }
}
