import { Inject, Injectable, NotFoundException, UnauthorizedException } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { LoginResponse } from '@wardtrack/contracts';
import type { Logger } from 'pino';
import type { DataSource, EntityManager } from 'typeorm';
import { AuditService, type AuditTrail } from '@backend/audit/audit.service';
import { APP_CONFIG, type AppConfig } from '@backend/config/app-config';
import { LOGGER } from '@backend/config/config.module';
import { OIDC_SPA_RETURN_PATH, type OidcConfig } from '@backend/config/oidc-config';
import type { ClientInfo } from '../auth.service';
import type { Actor } from '../principal';
import { SessionsService } from '../sessions.service';
import { TokenService } from '../token.service';
import { User } from '../user.entity';
import { toUserDto, UsersService } from '../users.service';
import { type MappedIdentity, mapClaims, type SignInRefusal } from './oidc-claims';
import { OidcClient, OidcProtocolError, randomToken, sha256, logText } from './oidc-client';
import type { OidcSettingsDto } from './oidc.dto';

/** A sign-in waiting for the provider expires after this long (the person is typing a password, maybe MFA). */
const PENDING_TTL_SECONDS = 10 * 60;
/** The browser trades the hand-over code at once; a minute covers a slow phone. */
const HANDOFF_TTL_SECONDS = 60;

/** The cookie that ties a pending sign-in to the browser that started it. */
export const BROWSER_BINDING_COOKIE = 'wt_sso';
const BROWSER_BINDING = /^[A-Za-z0-9_-]{43}$/;
/** A pending sign-in is found by its state and the browser's binding together: neither alone is enough. */
const pendingKey = (state: string, binding: string) => sha256(`${state}.${binding}`);

/** A person the provider vouched for whom Wardtrack still refuses. */
class Refusal extends Error {
  constructor(
    readonly reason: SignInRefusal,
    detail: string,
  ) {
    super(detail);
  }
}

/** What the audit log keeps of a user (as UsersService records it). */
function auditView(user: User): Record<string, unknown> {
  return {
    email: user.email,
    displayName: user.displayName,
    role: user.role,
    active: user.active,
    scopeSiteIds: user.scopeSiteIds,
    scopeCareUnits: user.scopeCareUnits,
  };
}

const sameSet = (a: string[], b: string[]) => a.length === b.length && a.every((v) => b.includes(v));

/** Only same-app paths come back from a sign-in: a crafted link must not send anyone to another site. */
export function safeReturnPath(path: unknown): string | null {
  return typeof path === 'string' &&
    path.length <= 500 &&
    path.startsWith('/') &&
    !path.startsWith('//') &&
    !path.startsWith('/\\') &&
    !path.startsWith('/login')
    ? path
    : null;
}

/**
 * Single sign-on through OpenID Connect. `start` remembers state, nonce and PKCE verifier server-side
 * and sends the browser to the provider; `callback` checks the state, redeems the code, verifies the
 * ID token, maps the claims, provisions or updates the user and hands the browser a one-time code;
 * `exchange` trades that code for the same token pair a local sign-in returns.
 */
@Injectable()
export class OidcService {
  private readonly client: OidcClient | null;
  private readonly settings: OidcConfig | null;

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    @Inject(LOGGER) private readonly logger: Logger,
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly audit: AuditService,
    private readonly users: UsersService,
    private readonly sessions: SessionsService,
    private readonly tokens: TokenService,
  ) {
    this.settings = config.oidc;
    this.client = config.oidc ? new OidcClient(config.oidc) : null;
  }

  /**
   * The cookie holding the browser binding: HttpOnly, SameSite=Lax (so it comes along on the provider's
   * redirect back, a top-level GET), Secure when Wardtrack is served over https, gone after 10 minutes.
   */
  bindingCookie(binding: string): string {
    const secure = this.settings?.redirectUri.startsWith('https:') ? '; Secure' : '';
    return `${BROWSER_BINDING_COOKIE}=${binding}; Path=/; Max-Age=${PENDING_TTL_SECONDS}; HttpOnly; SameSite=Lax${secure}`;
  }

  describe(): OidcSettingsDto {
    return { enabled: this.settings !== null, label: this.settings?.buttonLabel ?? null };
  }

  /**
   * Records a new pending sign-in and returns the provider's authorization URL, and the browser binding
   * to keep in a cookie (the one the browser already has, if any, so several tabs can sign in at once).
   */
  async start(returnTo: unknown, binding: string | undefined): Promise<{ url: string; binding: string }> {
    const client = this.requireClient();
    const state = randomToken();
    const nonce = randomToken();
    const codeVerifier = randomToken();
    const browser = binding !== undefined && BROWSER_BINDING.test(binding) ? binding : randomToken();
    // Discovery first: if the provider is unreachable nothing is stored.
    const url = await client.authorizationUrl({ state, nonce, codeVerifier });
    await this.dataSource.query(`DELETE FROM oidc_pending_sign_in WHERE expires_at < now()`);
    await this.dataSource.query(
      `INSERT INTO oidc_pending_sign_in (state_hash, nonce, code_verifier, return_to, expires_at)
       VALUES ($1, $2, $3, $4, now() + make_interval(secs => $5))`,
      [pendingKey(state, browser), nonce, codeVerifier, safeReturnPath(returnTo), PENDING_TTL_SECONDS],
    );
    return { url, binding: browser };
  }

  /**
   * Finishes the provider's side of the sign-in and returns where to send the browser: the SPA's
   * return page with a one-time code, or with the reason for a refusal. Never throws for a bad sign-in.
   */
  async callback(
    query: Record<string, unknown>,
    binding: string | undefined,
    requestId: string | null,
  ): Promise<string> {
    const settings = this.settings;
    if (!settings || !this.client) return this.spaUrl(OIDC_SPA_RETURN_PATH, { error: 'not_configured' });
    // State first: whatever the provider said, the pending sign-in is used up (single use).
    const state = typeof query.state === 'string' ? query.state : '';
    // Only the browser that started the sign-in can finish it (a callback link sent to someone else
    // would otherwise sign them in as the sender: login CSRF).
    const [pending] =
      state && binding
        ? await this.dataSource.query<{ nonce: string; code_verifier: string; return_to: string | null }[]>(
            `WITH used AS (
             DELETE FROM oidc_pending_sign_in WHERE state_hash = $1 RETURNING nonce, code_verifier, return_to, expires_at)
           SELECT nonce, code_verifier, return_to FROM used WHERE expires_at > now()`,
            [pendingKey(state, binding)],
          )
        : [];
    try {
      if (!pending) throw new Refusal('invalid_state', 'unknown, used or expired state');
      // RFC 9207: a provider that names itself in the response must be ours (mix-up defence).
      if (typeof query.iss === 'string' && query.iss !== settings.issuer) {
        throw new Refusal('sign_in_failed', `response from issuer ${query.iss}`);
      }
      if (typeof query.error === 'string') {
        throw new Refusal('provider_error', `provider said ${query.error}: ${logText(query.error_description)}`);
      }
      if (typeof query.code !== 'string' || query.code === '') throw new Refusal('sign_in_failed', 'no code');
      const claims = await this.client.redeem(query.code, pending.code_verifier, pending.nonce);
      const mapped = mapClaims(claims, settings);
      if ('refused' in mapped) {
        throw new Refusal(mapped.refused, `subject ${logText(claims.sub)} (${logText(claims.email)})`);
      }
      const code = await this.provision(settings.issuer, mapped, requestId);
      return this.spaUrl(settings.spaReturnUrl, {
        code,
        ...(pending.return_to ? { returnUrl: pending.return_to } : {}),
      });
    } catch (e) {
      const reason = e instanceof Refusal ? e.reason : 'sign_in_failed';
      const detail = e instanceof Refusal || e instanceof OidcProtocolError ? e.message : String(e);
      this.logger.warn({ reason, detail, requestId }, 'single sign-on refused');
      if (!(e instanceof Refusal) && !(e instanceof OidcProtocolError)) this.logger.error(e);
      return this.spaUrl(settings.spaReturnUrl, { error: reason });
    }
  }

  /** Trades the one-time hand-over code for an access token and refresh token, exactly as a local sign-in. */
  async exchange(code: string, client: ClientInfo, requestId: string | null): Promise<LoginResponse> {
    this.requireClient();
    const [handoff] = await this.dataSource.query<{ user_id: string; issuer: string; subject: string }[]>(
      `WITH used AS (DELETE FROM oidc_handoff WHERE code_hash = $1 RETURNING user_id, issuer, subject, expires_at)
       SELECT user_id, issuer, subject FROM used WHERE expires_at > now()`,
      [sha256(code)],
    );
    await this.dataSource.query(`DELETE FROM oidc_handoff WHERE expires_at < now()`);
    if (!handoff) throw new UnauthorizedException('Sign-in code expired or already used; sign in again');
    const user = await this.users.get(handoff.user_id).catch(() => null);
    // Disabled between the provider's answer and this request: still no entry.
    if (!user?.active) throw new UnauthorizedException('Account disabled');
    const session = await this.sessions.create(user.id, client);
    const actor: Actor = { type: 'user', id: user.id, label: user.email, requestId };
    await this.audit.transaction(actor, (_tx, audit) => {
      audit.created('sign_in', session.sessionId, {
        method: 'oidc',
        issuer: handoff.issuer,
        subject: handoff.subject,
        userId: user.id,
        role: user.role,
        ip: client.ip,
      });
      return Promise.resolve();
    });
    const dto = toUserDto(user);
    return {
      accessToken: this.tokens.sign({ type: 'user', ...dto, sessionId: session.sessionId }),
      tokenType: 'Bearer',
      expiresIn: this.tokens.ttlSeconds,
      refreshToken: session.refreshToken,
      refreshExpiresIn: Math.max(0, Math.round((session.expiresAt.getTime() - Date.now()) / 1000)),
      user: dto,
    };
  }

  /**
   * Finds the user linked to the provider's subject (or links an existing account with the same,
   * verified, e-mail; or creates one), refuses disabled accounts, re-applies role and scope from
   * the claims, and returns a one-time hand-over code. Every change is audited.
   */
  private async provision(issuer: string, identity: MappedIdentity, requestId: string | null): Promise<string> {
    const actor: Actor = { type: 'system', id: null, label: `single sign-on ${issuer}`, requestId };
    const code = `wto_${randomToken()}`;
    const userId = await this.audit.transaction(actor, async (tx, audit) => {
      const repo = tx.getRepository(User);
      const [linked] = await tx.query<{ user_id: string }[]>(
        `SELECT user_id FROM oidc_identity WHERE issuer = $1 AND subject = $2`,
        [issuer, identity.subject],
      );
      let user = linked
        ? await repo.findOne({ where: { id: linked.user_id }, lock: { mode: 'pessimistic_write' } })
        : await repo
            .createQueryBuilder('u')
            .setLock('pessimistic_write')
            .where('lower(u.email) = lower(:email)', { email: identity.email })
            .getOne();
      if (!linked && user && !identity.emailVerified) {
        // Linking on an unverified address would let anyone who can set that address in the directory take the account.
        throw new Refusal('account_conflict', `${identity.email} exists locally and the provider did not verify it`);
      }
      if (user && !user.active) throw new Refusal('account_disabled', `user ${user.id} is disabled`);
      const scopeSiteIds = await this.siteIds(tx, identity.sites);
      if (!user) {
        user = await this.createUser(tx, audit, identity, scopeSiteIds);
      } else {
        await this.applyClaims(tx, audit, user, identity, scopeSiteIds);
      }
      await tx.query(
        `INSERT INTO oidc_identity (issuer, subject, user_id) VALUES ($1, $2, $3)
         ON CONFLICT (issuer, subject) DO UPDATE SET last_sign_in_at = now()`,
        [issuer, identity.subject, user.id],
      );
      if (!linked) audit.created('oidc_identity', `${issuer}#${identity.subject}`, { userId: user.id, issuer });
      await tx.query(
        `INSERT INTO oidc_handoff (code_hash, user_id, issuer, subject, expires_at)
         VALUES ($1, $2, $3, $4, now() + make_interval(secs => $5))`,
        [sha256(code), user.id, issuer, identity.subject, HANDOFF_TTL_SECONDS],
      );
      return user.id;
    });
    // Role and scope apply from the next request, on this instance at once.
    this.users.forgetCached(userId);
    return code;
  }

  private async createUser(
    tx: EntityManager,
    audit: AuditTrail,
    identity: MappedIdentity,
    scopeSiteIds: string[],
  ): Promise<User> {
    // No local password: the local form refuses this account until an admin sets one.
    const [{ id }] = await tx.query<{ id: string }[]>(
      `INSERT INTO app_user (email, display_name, role, password_hash, active, scope_site_ids, scope_care_units)
       VALUES ($1, $2, $3, NULL, true, $4, $5) RETURNING id`,
      [identity.email, identity.displayName, identity.role, scopeSiteIds, identity.careUnits],
    );
    const user = await tx.getRepository(User).findOneByOrFail({ id });
    audit.created('user', user.id, { ...auditView(user), provisionedBy: 'oidc' });
    return user;
  }

  private async applyClaims(
    tx: EntityManager,
    audit: AuditTrail,
    user: User,
    identity: MappedIdentity,
    scopeSiteIds: string[],
  ): Promise<void> {
    const before = auditView(user);
    user.displayName = identity.displayName;
    user.role = identity.role;
    user.scopeSiteIds = scopeSiteIds;
    user.scopeCareUnits = identity.careUnits;
    if (user.email.toLowerCase() !== identity.email.toLowerCase()) {
      const [taken] = await tx.query<{ id: string }[]>(`SELECT id FROM app_user WHERE lower(email) = lower($1)`, [
        identity.email,
      ]);
      if (!taken) user.email = identity.email;
    }
    const after = auditView(user);
    const changed =
      before.email !== after.email ||
      before.displayName !== after.displayName ||
      before.role !== after.role ||
      !sameSet(before.scopeSiteIds as string[], scopeSiteIds) ||
      !sameSet(before.scopeCareUnits as string[], identity.careUnits);
    if (!changed) return;
    await tx.getRepository(User).save(user);
    audit.updated('user', user.id, before, { ...after, updatedBy: 'oidc' });
  }

  /** Site codes (or ids) from the claim as site ids. A claim naming only unknown sites refuses: empty would mean "all sites". */
  private async siteIds(tx: EntityManager, sites: string[]): Promise<string[]> {
    if (sites.length === 0) return [];
    const rows = await tx.query<{ id: string }[]>(
      `SELECT id FROM site WHERE code = ANY($1::text[]) OR id::text = ANY($1::text[]) ORDER BY code`,
      [sites],
    );
    if (rows.length === 0) throw new Refusal('unknown_site', `no site among ${sites.join(', ')}`);
    return rows.map((r) => r.id);
  }

  private spaUrl(base: string, params: Record<string, string>): string {
    // In the fragment: it never reaches a server log, a proxy or a Referer header.
    return `${base}#${new URLSearchParams(params).toString()}`;
  }

  private requireClient(): OidcClient {
    if (!this.client) throw new NotFoundException('Single sign-on is not configured');
    return this.client;
  }
}
