import { createHash, createPublicKey, type JsonWebKey, type KeyObject, randomBytes } from 'node:crypto';
import jwt from 'jsonwebtoken';
import type { OidcConfig } from '@backend/config/oidc-config';
import type { Claims } from './oidc-claims';

/** The parts of the provider's discovery document Wardtrack uses. */
export interface ProviderMetadata {
  issuer: string;
  authorization_endpoint: string;
  token_endpoint: string;
  jwks_uri: string;
  userinfo_endpoint?: string;
  code_challenge_methods_supported?: string[];
}

/** A refusal by the provider or of what it sent; the message goes to the log, never to the browser. */
export class OidcProtocolError extends Error {}

const SIGNING_ALGORITHMS: jwt.Algorithm[] = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384'];
const METADATA_TTL_MS = 60 * 60_000;
// A kid we do not know triggers a JWKS refetch (key rotation), at most this often.
const JWKS_REFETCH_MS = 60_000;
const CLOCK_TOLERANCE_S = 60;
const HTTP_TIMEOUT_MS = 10_000;

export const randomToken = (): string => randomBytes(32).toString('base64url');
export const sha256 = (value: string): string => createHash('sha256').update(value).digest('hex');
/** RFC 7636 S256 code challenge. */
export const codeChallenge = (verifier: string): string => createHash('sha256').update(verifier).digest('base64url');

/** A claim or protocol field for a log line: strings as they are, anything else as JSON. */
export const logText = (value: unknown): string =>
  value === undefined || value === null ? '' : typeof value === 'string' ? value : JSON.stringify(value);

async function fetchJson(url: string, init?: RequestInit): Promise<Record<string, unknown>> {
  const response = await fetch(url, {
    ...init,
    headers: { accept: 'application/json', ...init?.headers },
    redirect: 'error',
    signal: AbortSignal.timeout(HTTP_TIMEOUT_MS),
  });
  const text = await response.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new OidcProtocolError(`${url} answered ${response.status} with something other than JSON`);
  }
  if (!response.ok) {
    const error = body as { error?: unknown; error_description?: unknown };
    throw new OidcProtocolError(
      `${url} answered ${response.status}: ${logText(error.error)} ${logText(error.error_description)}`.trim(),
    );
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new OidcProtocolError(`${url} did not answer with a JSON object`);
  }
  return body as Record<string, unknown>;
}

/**
 * The relying-party side of the authorization code flow with PKCE: discovery, the authorization URL,
 * the token request, ID token verification against the provider's JWKS, and userinfo. Holds no
 * per-sign-in state (that lives in the database, so any api instance can finish a sign-in).
 */
export class OidcClient {
  private metadata: { value: ProviderMetadata; until: number } | null = null;
  private keys: { byKid: Map<string, KeyObject>; all: KeyObject[]; fetchedAt: number } | null = null;

  constructor(private readonly config: OidcConfig) {}

  async discover(now = Date.now()): Promise<ProviderMetadata> {
    if (this.metadata && this.metadata.until > now) return this.metadata.value;
    const url = `${this.config.issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`;
    const doc = await fetchJson(url);
    for (const field of ['issuer', 'authorization_endpoint', 'token_endpoint', 'jwks_uri'] as const) {
      if (typeof doc[field] !== 'string') throw new OidcProtocolError(`discovery document has no ${field}`);
    }
    // OIDC Discovery 4.3: the document must name exactly the issuer it was fetched for.
    if (doc.issuer !== this.config.issuer) {
      throw new OidcProtocolError(`discovery names issuer ${String(doc.issuer)}, configured ${this.config.issuer}`);
    }
    const methods = doc.code_challenge_methods_supported;
    if (Array.isArray(methods) && !methods.includes('S256')) {
      throw new OidcProtocolError('the provider does not support PKCE with S256');
    }
    const value = doc as unknown as ProviderMetadata;
    this.metadata = { value, until: now + METADATA_TTL_MS };
    return value;
  }

  /** Where to send the browser: code flow, PKCE S256, state and nonce. */
  async authorizationUrl(params: { state: string; nonce: string; codeVerifier: string }): Promise<string> {
    const { authorization_endpoint } = await this.discover();
    const url = new URL(authorization_endpoint);
    url.searchParams.set('response_type', 'code');
    url.searchParams.set('client_id', this.config.clientId);
    url.searchParams.set('redirect_uri', this.config.redirectUri);
    url.searchParams.set('scope', this.config.scopes.join(' '));
    url.searchParams.set('state', params.state);
    url.searchParams.set('nonce', params.nonce);
    url.searchParams.set('code_challenge', codeChallenge(params.codeVerifier));
    url.searchParams.set('code_challenge_method', 'S256');
    return url.href;
  }

  /** Trades the authorization code (with the PKCE verifier) for tokens and returns the verified claims. */
  async redeem(code: string, codeVerifier: string, nonce: string): Promise<Claims> {
    const metadata = await this.discover();
    const form = new URLSearchParams({
      grant_type: 'authorization_code',
      code,
      redirect_uri: this.config.redirectUri,
      code_verifier: codeVerifier,
    });
    const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' };
    if (this.config.clientSecret) {
      // RFC 6749 2.3.1: form-urlencode both parts before Basic encoding.
      const basic = `${encodeURIComponent(this.config.clientId)}:${encodeURIComponent(this.config.clientSecret)}`;
      headers.authorization = `Basic ${Buffer.from(basic).toString('base64')}`;
    } else {
      form.set('client_id', this.config.clientId);
    }
    const tokens = await fetchJson(metadata.token_endpoint, { method: 'POST', headers, body: form.toString() });
    if (typeof tokens.id_token !== 'string') throw new OidcProtocolError('the token response has no id_token');
    const idClaims = await this.verifyIdToken(tokens.id_token, nonce);
    if (!metadata.userinfo_endpoint || typeof tokens.access_token !== 'string') return idClaims;
    const userinfo = await fetchJson(metadata.userinfo_endpoint, {
      headers: { authorization: `Bearer ${tokens.access_token}` },
    });
    // OIDC Core 5.3.2: userinfo for another subject must not be used.
    if (userinfo.sub !== idClaims.sub) throw new OidcProtocolError('userinfo is about another subject');
    // The signed ID token wins wherever both say something.
    return { ...userinfo, ...idClaims };
  }

  /** Verifies signature (provider's JWKS), iss, aud, azp, exp and nonce; returns the claims. */
  async verifyIdToken(idToken: string, nonce: string): Promise<Claims> {
    const decoded = jwt.decode(idToken, { complete: true });
    if (!decoded || typeof decoded.payload === 'string') throw new OidcProtocolError('the id_token is not a JWT');
    const alg = decoded.header.alg as jwt.Algorithm;
    if (!SIGNING_ALGORITHMS.includes(alg)) throw new OidcProtocolError(`id_token signed with ${alg}, not accepted`);
    const key = await this.keyFor(decoded.header.kid);
    let claims: jwt.JwtPayload;
    try {
      claims = jwt.verify(idToken, key, {
        algorithms: [alg],
        issuer: this.config.issuer,
        audience: this.config.clientId,
        clockTolerance: CLOCK_TOLERANCE_S,
      }) as jwt.JwtPayload;
    } catch (e) {
      throw new OidcProtocolError(`id_token refused: ${(e as Error).message}`);
    }
    if (typeof claims.sub !== 'string' || claims.sub === '') throw new OidcProtocolError('id_token has no sub');
    if (typeof claims.exp !== 'number') throw new OidcProtocolError('id_token has no exp');
    if (claims.nonce !== nonce) throw new OidcProtocolError('id_token nonce does not match this sign-in');
    const audiences = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
    if ((audiences.length > 1 || claims.azp !== undefined) && claims.azp !== this.config.clientId) {
      throw new OidcProtocolError('id_token azp is not this client');
    }
    return claims;
  }

  private async keyFor(kid: string | undefined, now = Date.now()): Promise<KeyObject> {
    const pick = () => (kid ? this.keys?.byKid.get(kid) : this.keys?.all.length === 1 ? this.keys.all[0] : undefined);
    if (!this.keys || (!pick() && now - this.keys.fetchedAt > JWKS_REFETCH_MS)) await this.fetchKeys(now);
    const key = pick();
    if (!key) throw new OidcProtocolError(`no signing key ${kid ?? '(no kid)'} in the provider's JWKS`);
    return key;
  }

  private async fetchKeys(now: number): Promise<void> {
    const { jwks_uri } = await this.discover();
    const { keys } = (await fetchJson(jwks_uri)) as { keys?: unknown };
    if (!Array.isArray(keys)) throw new OidcProtocolError('the JWKS has no keys');
    const byKid = new Map<string, KeyObject>();
    const all: KeyObject[] = [];
    for (const jwk of keys as (JsonWebKey & { use?: string; kid?: string })[]) {
      if ((jwk.use !== undefined && jwk.use !== 'sig') || !['RSA', 'EC'].includes(String(jwk.kty))) continue;
      try {
        const key = createPublicKey({ key: jwk, format: 'jwk' });
        all.push(key);
        if (typeof jwk.kid === 'string') byKid.set(jwk.kid, key);
      } catch {
        // A key we cannot read (an unsupported curve) simply cannot verify anything.
      }
    }
    this.keys = { byKid, all, fetchedAt: now };
  }
}
