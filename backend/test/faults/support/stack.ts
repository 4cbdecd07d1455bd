import { Client } from 'pg';
import { QueueProbe, type Reconciliation, untilReconciled } from './ledger';
import { PrivatePostgres, RedisServer } from './processes';
import { createDatabase, dropDatabase, FaultSite } from './site';

/**
 * What every fault scenario runs against: its own Redis (as production runs it), a database
 * (fresh on the shared server, or a private cluster the test may restart), Wardtrack as separate
 * api and worker processes with registered readers, and a probe on the queues.
 */
export class FaultStack {
  private constructor(
    readonly redis: RedisServer,
    readonly site: FaultSite,
    readonly probe: QueueProbe,
    private readonly database: { url: string } | { postgres: PrivatePostgres },
  ) {}

  /** The private PostgreSQL cluster, when the stack was started with one. */
  get postgres(): PrivatePostgres {
    if (!('postgres' in this.database)) throw new Error('this stack runs on the shared PostgreSQL');
    return this.database.postgres;
  }

  static async start(options: { readers: number; privatePostgres?: boolean }): Promise<FaultStack> {
    let database: { url: string } | { postgres: PrivatePostgres };
    let databaseUrl: string;
    let redis: RedisServer;
    if (options.privatePostgres) {
      let postgres: PrivatePostgres;
      [postgres, redis] = await Promise.all([PrivatePostgres.start(), RedisServer.start()]);
      const admin = new Client({ connectionString: postgres.url() });
      await admin.connect();
      await admin.query(`CREATE DATABASE wardtrack`);
      await admin.end();
      database = { postgres };
      databaseUrl = postgres.url('wardtrack');
    } else {
      [databaseUrl, redis] = await Promise.all([createDatabase(), RedisServer.start()]);
      database = { url: databaseUrl };
    }
    const site = await FaultSite.start({ databaseUrl, redisUrl: redis.url, readers: options.readers });
    const probe = new QueueProbe(redis.url, site.queuePrefix);
    await probe.connect();
    return new FaultStack(redis, site, probe, database);
  }

  /**
   * Waits until every acknowledged batch is in the ledger (or the queue has stayed empty, or the
   * time is up) and returns the last reconciliation, for the scenario to assert and report.
   */
  reconciled(acknowledged: ReadonlyMap<string, number>, timeoutMs = 60_000): Promise<Reconciliation> {
    return untilReconciled(
      () => this.site.db,
      acknowledged,
      timeoutMs,
      () => this.probe.total(),
    );
  }

  async stop(): Promise<void> {
    this.probe.close();
    await this.site.stop();
    await this.redis.stop();
    if ('postgres' in this.database) await this.database.postgres.destroy();
    else await dropDatabase(this.database.url);
  }
}
