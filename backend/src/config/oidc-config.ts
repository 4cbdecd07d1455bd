import { USER_ROLES, type UserRole } from '@wardtrack/contracts';

/** Where the callback lives under the API; the redirect URI registered at the identity provider ends with it. */
export const OIDC_CALLBACK_PATH = '/api/v1/auth/oidc/callback';
/** The SPA route that finishes a single sign-on (exchanges the one-time code). */
export const OIDC_SPA_RETURN_PATH = '/login/sso';

/** Single sign-on through an OpenID Connect provider (Entra ID, Keycloak, ...). Off when OIDC_ISSUER is unset. */
export interface OidcConfig {
  /** The issuer URL exactly as the provider's discovery document and ID tokens state it. */
  issuer: string;
  clientId: string;
  /** Null for a public client (PKCE only, token endpoint auth `none`). */
  clientSecret: string | null;
  /** Absolute URL of Wardtrack's callback, as registered at the provider. */
  redirectUri: string;
  /** Where the browser is sent after the callback: PUBLIC_URL + /login/sso, or the same-origin path. */
  spaReturnUrl: string;
  scopes: string[];
  /** The claim holding roles or groups; dots walk into objects (Keycloak: `realm_access.roles`). */
  roleClaim: string;
  /** Directory value -> Wardtrack role, in precedence order: the first pair whose value the user has wins. */
  roleMap: { value: string; role: UserRole }[];
  /** Claim listing site codes the user is limited to (unset or empty claim: all sites). */
  siteClaim: string | null;
  /** Claim listing care units the user is limited to (unset or empty claim: all care units). */
  careUnitClaim: string | null;
  /** Shown as "Sign in with <label>". */
  buttonLabel: string;
}

const DEFAULT_ROLE_MAP = USER_ROLES.map((role) => `${role}=${role}`).join(',');
const CLAIM_PATH = /^[A-Za-z0-9_:/.-]{1,200}$/;

function parseUrl(value: string): URL | null {
  try {
    return new URL(value);
  } catch {
    return null;
  }
}

// Plain http only for a provider on this machine (development and tests); anything else must use TLS.
function isLoopback(url: URL): boolean {
  return ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname);
}

/**
 * Reads the OIDC_* variables (and PUBLIC_URL). Returns the configuration (null when OIDC_ISSUER is
 * unset) and the problems found, each naming its variable, for the start-up error.
 */
export function loadOidcConfig(env: Record<string, string | undefined>): {
  config: OidcConfig | null;
  problems: string[];
} {
  const get = (name: string) => {
    const value = env[name]?.trim();
    return value ? value : undefined;
  };
  const problems: string[] = [];
  const publicUrlText = get('PUBLIC_URL')?.replace(/\/+$/, '');
  const publicUrl = publicUrlText === undefined ? undefined : parseUrl(publicUrlText);
  if (publicUrl === null || (publicUrl && !/^https?:$/.test(publicUrl.protocol))) {
    problems.push(
      'PUBLIC_URL: must be the http(s) URL people open Wardtrack at, like https://wardtrack.hospital.example',
    );
  }
  const issuerText = get('OIDC_ISSUER');
  if (issuerText === undefined) return { config: null, problems };

  const issuer = parseUrl(issuerText);
  if (!issuer || !(issuer.protocol === 'https:' || (issuer.protocol === 'http:' && isLoopback(issuer)))) {
    problems.push('OIDC_ISSUER: must be an https:// URL (plain http only for localhost)');
  }
  const clientId = get('OIDC_CLIENT_ID');
  if (!clientId) problems.push('OIDC_CLIENT_ID: required when OIDC_ISSUER is set');

  const redirectText = get('OIDC_REDIRECT_URI') ?? (publicUrl ? `${publicUrlText}${OIDC_CALLBACK_PATH}` : undefined);
  const redirect = redirectText === undefined ? null : parseUrl(redirectText);
  if (!redirect || !/^https?:$/.test(redirect.protocol)) {
    problems.push(
      `OIDC_REDIRECT_URI: required when OIDC_ISSUER is set and PUBLIC_URL is not (the absolute URL of ${OIDC_CALLBACK_PATH})`,
    );
  }

  const scopes = (get('OIDC_SCOPES') ?? 'openid profile email').split(/[\s,]+/).filter(Boolean);
  if (!scopes.includes('openid')) scopes.unshift('openid');

  const roleMap: OidcConfig['roleMap'] = [];
  for (const pair of (get('OIDC_ROLE_MAP') ?? DEFAULT_ROLE_MAP).split(',')) {
    if (pair.trim() === '') continue;
    const at = pair.lastIndexOf('=');
    const value = pair.slice(0, at).trim();
    const role = pair.slice(at + 1).trim() as UserRole;
    if (at <= 0 || value === '' || !USER_ROLES.includes(role)) {
      problems.push(
        `OIDC_ROLE_MAP: "${pair.trim()}" is not <directory value>=<role> with a role among ${USER_ROLES.join(', ')}`,
      );
    } else {
      roleMap.push({ value, role });
    }
  }
  if (roleMap.length === 0 && !problems.some((p) => p.startsWith('OIDC_ROLE_MAP'))) {
    problems.push('OIDC_ROLE_MAP: maps no directory value to a role');
  }

  const claimName = (name: string, fallback: string | null) => {
    const value = get(name) ?? fallback;
    if (value !== null && !CLAIM_PATH.test(value)) problems.push(`${name}: not a claim name`);
    return value;
  };
  const roleClaim = claimName('OIDC_ROLE_CLAIM', 'roles') ?? 'roles';
  const siteClaim = claimName('OIDC_SITE_CLAIM', null);
  const careUnitClaim = claimName('OIDC_CARE_UNIT_CLAIM', null);
  const buttonLabel = get('OIDC_BUTTON_LABEL') ?? 'single sign-on';
  if (buttonLabel.length > 60) problems.push('OIDC_BUTTON_LABEL: at most 60 characters');

  if (problems.length > 0 || !issuer || !clientId || !redirect) return { config: null, problems };
  return {
    config: {
      // Kept as written: the ID token's `iss` must match it exactly (trailing slash included).
      issuer: issuerText,
      clientId,
      clientSecret: get('OIDC_CLIENT_SECRET') ?? null,
      redirectUri: redirect.href,
      spaReturnUrl: publicUrl ? `${publicUrlText}${OIDC_SPA_RETURN_PATH}` : OIDC_SPA_RETURN_PATH,
      scopes,
      roleClaim,
      roleMap,
      siteClaim,
      careUnitClaim,
      buttonLabel,
    },
    problems,
  };
}
