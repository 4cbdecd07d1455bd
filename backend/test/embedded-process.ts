import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';

/** The built server (`npm start` runs the same file); tests that use it depend on the build. */
export const MAIN = resolve(__dirname, '../../dist/backend/main.js');

export function freePort(): Promise<number> {
  return new Promise((done) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => done(port));
    });
  });
}

/** Wardtrack on embedded defaults (PGlite + database queue) as a child process with its own data directory. */
export class EmbeddedProcess {
  private child?: ChildProcess;
  readonly url: string;
  output = '';

  constructor(
    private readonly dataDir: string,
    private readonly port: number,
    private readonly env: Record<string, string> = {},
  ) {
    this.url = `http://127.0.0.1:${port}`;
  }

  async start(role: 'api' | 'all' = 'all'): Promise<void> {
    this.output = '';
    this.child = spawn(process.execPath, [MAIN], {
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        PORT: String(this.port),
        ROLE: role,
        EMBEDDED_DATA_DIR: join(this.dataDir, 'pglite'),
        LOG_LEVEL: 'warn',
        ...this.env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child.stdout?.on('data', (d: Buffer) => (this.output += d.toString()));
    this.child.stderr?.on('data', (d: Buffer) => (this.output += d.toString()));
    const until = Date.now() + 60_000;
    while (Date.now() < until) {
      if (this.child.exitCode !== null) throw new Error(`embedded process exited: ${this.output.slice(-2000)}`);
      const ok = await fetch(`${this.url}/api/v1/health`)
        .then((r) => r.status === 200)
        .catch(() => false);
      if (ok) return;
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(`embedded process did not become healthy: ${this.output.slice(-2000)}`);
  }

  /** SIGKILL: no shutdown hooks, no flushing; what the process acknowledged must already be durable. */
  kill(): Promise<void> {
    return this.signal('SIGKILL');
  }

  stop(): Promise<void> {
    return this.signal('SIGTERM');
  }

  private signal(signal: NodeJS.Signals): Promise<void> {
    return new Promise((done) => {
      if (!this.child || this.child.exitCode !== null) return done();
      this.child.once('exit', () => done());
      this.child.kill(signal);
    });
  }
}
