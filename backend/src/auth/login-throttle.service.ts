import { HttpStatus, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { RetryLaterException } from '@backend/common/retry-later.exception';

interface Policy {
  failures: number;
  windowSeconds: number;
  lockSeconds: number;
}

/** Guessing a nurse's password gets five tries; one address gets thirty (a ward's shared NAT). */
export const ACCOUNT_POLICY: Policy = { failures: 5, windowSeconds: 900, lockSeconds: 900 };
export const ADDRESS_POLICY: Policy = { failures: 30, windowSeconds: 900, lockSeconds: 900 };

/**
 * Failed sign-in counting per account and per client address, in PostgreSQL so every api
 * instance sees the same counts. A key that reaches its limit within the window is locked.
 */
@Injectable()
export class LoginThrottleService {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** Throws 429 (with Retry-After) while any of the keys is locked. */
  async assertNotLocked(keys: string[]): Promise<void> {
    const rows = await this.dataSource.query<{ wait: number }[]>(
      `SELECT ceil(extract(epoch FROM locked_until - now()))::int AS wait
       FROM auth_throttle WHERE key = ANY($1) AND locked_until > now()`,
      [keys],
    );
    const wait = Math.max(0, ...rows.map((r) => r.wait));
    if (wait > 0) {
      const when = wait >= 90 ? `${Math.ceil(wait / 60)} minutes` : `${wait} seconds`;
      throw new RetryLaterException(
        HttpStatus.TOO_MANY_REQUESTS,
        `Too many failed sign-ins; try again in ${when}`,
        wait,
      );
    }
  }

  async recordFailure(key: string, policy: Policy): Promise<void> {
    await this.dataSource.query(
      `INSERT INTO auth_throttle AS t (key, failures, window_start) VALUES ($1, 1, now())
       ON CONFLICT (key) DO UPDATE SET
         failures = CASE WHEN t.window_start < now() - make_interval(secs => $2) THEN 1 ELSE t.failures + 1 END,
         window_start = CASE WHEN t.window_start < now() - make_interval(secs => $2) THEN now() ELSE t.window_start END`,
      [key, policy.windowSeconds],
    );
    await this.dataSource.query(
      `UPDATE auth_throttle SET locked_until = now() + make_interval(secs => $3), failures = 0, window_start = now()
       WHERE key = $1 AND failures >= $2`,
      [key, policy.failures, policy.lockSeconds],
    );
  }

  async clear(key: string): Promise<void> {
    await this.dataSource.query(`DELETE FROM auth_throttle WHERE key = $1`, [key]);
  }
}
