import { createHash, randomBytes } from 'node:crypto';
import { Inject, Injectable, UnauthorizedException } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { APP_CONFIG, type AppConfig } from '@backend/config/app-config';

const hash = (token: string) => createHash('sha256').update(token).digest('hex');
const ACTIVE_CACHE_MS = 5_000;

export interface IssuedSession {
  sessionId: string;
  userId: string;
  refreshToken: string;
  expiresAt: Date;
}

/**
 * Sign-in sessions behind the short-lived access tokens. Each refresh replaces the refresh token;
 * a replaced token presented again means it leaked, and the session is revoked. Logging out (or an
 * admin disabling the user) revokes the session, and its access tokens stop working within
 * ACTIVE_CACHE_MS on every instance (at once on the instance that revoked it).
 */
@Injectable()
export class SessionsService {
  private readonly activeCache = new Map<string, { active: boolean; until: number }>();

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async create(userId: string, client: { ip: string | null; userAgent: string | null }): Promise<IssuedSession> {
    const refreshToken = `wtr_${randomBytes(32).toString('base64url')}`;
    const [row] = await this.dataSource.query<{ id: string; expires_at: Date }[]>(
      `INSERT INTO auth_session (user_id, refresh_hash, expires_at, ip, user_agent)
       VALUES ($1, $2, now() + make_interval(secs => $3), $4, $5) RETURNING id, expires_at`,
      [
        userId,
        hash(refreshToken),
        this.config.auth.sessionTtlSeconds,
        client.ip,
        client.userAgent?.slice(0, 300) ?? null,
      ],
    );
    return { sessionId: row.id, userId, refreshToken, expiresAt: row.expires_at };
  }

  /** Exchanges a refresh token for a new one; throws 401 for anything but the current token of a live session. */
  // UPDATE ... RETURNING is wrapped in a CTE: TypeORM answers a bare UPDATE with [rows, count].
  async rotate(refreshToken: string): Promise<IssuedSession> {
    const presented = hash(refreshToken);
    const next = `wtr_${randomBytes(32).toString('base64url')}`;
    const rotated = await this.dataSource.query<{ id: string; user_id: string; expires_at: Date }[]>(
      `WITH rotated AS (
         UPDATE auth_session SET previous_refresh_hash = refresh_hash, refresh_hash = $2, last_used_at = now()
         WHERE refresh_hash = $1 AND revoked_at IS NULL AND expires_at > now()
         RETURNING id, user_id, expires_at)
       SELECT * FROM rotated`,
      [presented, hash(next)],
    );
    if (rotated.length === 1) {
      return {
        sessionId: rotated[0].id,
        userId: rotated[0].user_id,
        refreshToken: next,
        expiresAt: rotated[0].expires_at,
      };
    }
    const reused = await this.dataSource.query<{ id: string }[]>(
      `WITH reused AS (
         UPDATE auth_session SET revoked_at = now(), revoked_reason = 'refresh token reused'
         WHERE previous_refresh_hash = $1 AND revoked_at IS NULL RETURNING id)
       SELECT id FROM reused`,
      [presented],
    );
    for (const { id } of reused) this.activeCache.delete(id);
    throw new UnauthorizedException(
      reused.length > 0 ? 'Refresh token already used; the session was ended for safety' : 'Session expired or ended',
    );
  }

  async revoke(sessionId: string, reason: string): Promise<void> {
    await this.dataSource.query(
      `UPDATE auth_session SET revoked_at = now(), revoked_reason = $2 WHERE id = $1 AND revoked_at IS NULL`,
      [sessionId, reason],
    );
    this.activeCache.delete(sessionId);
  }

  async revokeAllOf(userId: string, reason: string): Promise<void> {
    const rows = await this.dataSource.query<{ id: string }[]>(
      `WITH revoked AS (
         UPDATE auth_session SET revoked_at = now(), revoked_reason = $2
         WHERE user_id = $1 AND revoked_at IS NULL RETURNING id)
       SELECT id FROM revoked`,
      [userId, reason],
    );
    for (const { id } of rows) this.activeCache.delete(id);
  }

  async isActive(sessionId: string, now = Date.now()): Promise<boolean> {
    const cached = this.activeCache.get(sessionId);
    if (cached && cached.until > now) return cached.active;
    const rows = await this.dataSource.query<{ ok: boolean }[]>(
      `SELECT (revoked_at IS NULL AND expires_at > now()) AS ok FROM auth_session WHERE id = $1`,
      [sessionId],
    );
    const active = rows[0]?.ok ?? false;
    if (this.activeCache.size > 50_000) this.activeCache.clear();
    this.activeCache.set(sessionId, { active, until: now + ACTIVE_CACHE_MS });
    return active;
  }
}
