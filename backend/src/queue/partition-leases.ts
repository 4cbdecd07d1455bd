import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';

/** A lease lives this long unless renewed; a dead worker's partitions move on after it. */
export const LEASE_TTL_MS = 6_000;
/** How often a worker renews its leases, reports itself alive and rebalances. */
export const LEASE_CYCLE_MS = 2_000;

// Extend or drop a lease only while we still hold it (never someone else's).
const RENEW = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end`;
const RELEASE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;

export interface LeaseListener {
  /** Start consuming these partitions (their state is to be loaded first). */
  gained(partitions: number[]): Promise<void>;
  /** Stop consuming these partitions and resolve once their last batch is done. */
  lost(partitions: number[]): Promise<void>;
}

/**
 * Partition ownership on Redis: each partition is owned by at most one worker at a time through
 * a lease key (SET NX PX, renewed every LEASE_CYCLE_MS). Live workers announce themselves in a
 * sorted set; each aims at ceil(partitions / live workers) and hands surplus partitions back,
 * so a second worker takes half the partitions within a few cycles and a dead worker's
 * partitions are taken over once its leases expire.
 */
export class PartitionLeases {
  readonly workerId = `${process.pid}-${randomUUID().slice(0, 8)}`;
  private readonly held = new Set<number>();
  private timer?: NodeJS.Timeout;
  private cycle: Promise<void> = Promise.resolve();
  private stopped = false;

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly partitions: number,
    private readonly listener: LeaseListener,
    private readonly logger: Logger,
  ) {}

  owned(): number[] {
    return [...this.held].sort((a, b) => a - b);
  }

  start(): void {
    const run = () => {
      this.cycle = this.cycle
        .then(() => this.rebalance())
        .catch((err: Error) => {
          this.logger.warn({ err: err.message }, 'partition leases: cycle failed; retrying');
        });
    };
    run();
    this.timer = setInterval(run, LEASE_CYCLE_MS);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.cycle;
    const mine = this.owned();
    if (mine.length > 0) {
      await this.listener.lost(mine);
      for (const p of mine) this.held.delete(p);
      await Promise.all(mine.map((p) => this.redis.eval(RELEASE, 1, this.leaseKey(p), this.workerId))).catch(
        () => undefined,
      );
    }
    await this.redis.zrem(this.membersKey(), this.workerId).catch(() => undefined);
  }

  private leaseKey(p: number): string {
    return `${this.prefix}:partition:${p}:owner`;
  }

  private membersKey(): string {
    return `${this.prefix}:workers`;
  }

  private async rebalance(): Promise<void> {
    if (this.stopped) return;
    const now = Date.now();
    await this.redis
      .multi()
      .zadd(this.membersKey(), now, this.workerId)
      .zremrangebyscore(this.membersKey(), 0, now - LEASE_TTL_MS)
      .exec();
    const live = Math.max(1, await this.redis.zcard(this.membersKey()));
    const target = Math.ceil(this.partitions / live);

    // Renew what we hold; a lease we could not renew is gone (we stalled): stop at once.
    const mine = this.owned();
    const renewed = await Promise.all(
      mine.map((p) => this.redis.eval(RENEW, 1, this.leaseKey(p), this.workerId, String(LEASE_TTL_MS))),
    );
    const gone = mine.filter((_, i) => renewed[i] !== 1);
    if (gone.length > 0) {
      this.logger.warn({ partitions: gone }, 'partition leases lost; stopping those partitions');
      for (const p of gone) this.held.delete(p);
      await this.listener.lost(gone);
    }

    if (this.held.size > target) {
      const surplus = this.owned().slice(target);
      await this.listener.lost(surplus);
      for (const p of surplus) {
        this.held.delete(p);
        await this.redis.eval(RELEASE, 1, this.leaseKey(p), this.workerId);
      }
      this.logger.info({ partitions: surplus, live }, 'partitions handed over to other workers');
    } else if (this.held.size < target) {
      const gained: number[] = [];
      for (let p = 0; p < this.partitions && this.held.size + gained.length < target; p++) {
        if (this.held.has(p)) continue;
        const ok = await this.redis.set(this.leaseKey(p), this.workerId, 'PX', LEASE_TTL_MS, 'NX');
        if (ok === 'OK') gained.push(p);
      }
      if (gained.length > 0) {
        try {
          await this.listener.gained(gained);
          for (const p of gained) this.held.add(p);
          this.logger.info({ partitions: gained, live }, 'partitions taken');
        } catch (err) {
          await Promise.all(gained.map((p) => this.redis.eval(RELEASE, 1, this.leaseKey(p), this.workerId)));
          throw err;
        }
      }
    }
  }
}
