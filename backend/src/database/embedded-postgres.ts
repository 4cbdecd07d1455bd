import { mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import type { Logger } from 'pino';

/**
 * PostgreSQL for evaluation without a server installed: PGlite (PostgreSQL compiled to WASM)
 * behind its wire-protocol socket server, so the ordinary `pg` driver, TypeORM and the same
 * migrations run unchanged. Data lives in a local directory and survives restarts.
 *
 * PGlite is single-session: the pool in front of it must have exactly one connection.
 */
export class EmbeddedPostgres {
  private constructor(
    private readonly db: PGlite,
    private readonly server: PGLiteSocketServer,
    readonly url: string,
  ) {}

  static async start(dataDir: string, logger: Logger): Promise<EmbeddedPostgres> {
    mkdirSync(dataDir, { recursive: true });
    const db = await PGlite.create({ dataDir });
    const port = await freePort();
    const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port, maxConnections: 1 });
    await server.start();
    const url = `postgresql://postgres:postgres@127.0.0.1:${port}/postgres`;
    logger.warn(
      { dataDir, port },
      'EMBEDDED DATABASE (for evaluation only): PGlite in-process; set DATABASE_URL to use a real PostgreSQL server',
    );
    return new EmbeddedPostgres(db, server, url);
  }

  async stop(): Promise<void> {
    await this.server.stop();
    await this.db.close();
  }
}

function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      probe.close(() => resolvePort(port));
    });
  });
}
