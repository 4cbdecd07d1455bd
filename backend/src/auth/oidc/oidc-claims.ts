import type { UserRole } from '@wardtrack/contracts';
import type { OidcConfig } from '@backend/config/oidc-config';

/** Why a person the provider vouched for still may not use Wardtrack (shown to them as a message). */
export type SignInRefusal =
  | 'no_role'
  | 'no_email'
  | 'unknown_site'
  | 'account_disabled'
  | 'account_conflict'
  | 'invalid_state'
  | 'provider_error'
  | 'sign_in_failed'
  | 'not_configured';

/** What Wardtrack takes from the provider's claims for one person. */
export interface MappedIdentity {
  subject: string;
  email: string;
  emailVerified: boolean;
  displayName: string;
  role: UserRole;
  /** Site codes (or ids) from the site claim; empty = not limited by site. */
  sites: string[];
  /** Care units from the care unit claim; empty = not limited by care unit. */
  careUnits: string[];
}

export type Claims = Record<string, unknown>;

/** The value at a claim path; dots walk into objects (`realm_access.roles`) unless the claim itself has the dotted name. */
export function claimAt(claims: Claims, path: string): unknown {
  if (path in claims) return claims[path];
  let value: unknown = claims;
  for (const part of path.split('.')) {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

/** A claim as a list of strings: an array, one string, or a space/comma separated string. */
export function claimValues(value: unknown): string[] {
  const items = Array.isArray(value) ? value : typeof value === 'string' ? value.split(/[,\s]+/) : [];
  return [...new Set(items.filter((v): v is string => typeof v === 'string').map((v) => v.trim()))].filter(Boolean);
}

// Care units have spaces in their names ("4 West"): a single string is one unit, not a list.
function listClaim(value: unknown): string[] {
  if (typeof value === 'string') return value.trim() === '' ? [] : [value.trim()];
  return claimValues(value);
}

const EMAIL = /^[^\s@]+@[^\s@]+$/;

/**
 * Maps the provider's claims to a Wardtrack identity, or says why the person is refused.
 * The role is the first pair of the role map (in the order configured) whose value the person holds.
 */
export function mapClaims(
  claims: Claims,
  config: Pick<OidcConfig, 'roleClaim' | 'roleMap' | 'siteClaim' | 'careUnitClaim'>,
): MappedIdentity | { refused: SignInRefusal } {
  const held = new Set(claimValues(claimAt(claims, config.roleClaim)));
  const role = config.roleMap.find((pair) => held.has(pair.value))?.role;
  if (!role) return { refused: 'no_role' };
  const email = [claims.email, claims.preferred_username, claims.upn].find(
    (v): v is string => typeof v === 'string' && EMAIL.test(v.trim()),
  );
  if (!email) return { refused: 'no_email' };
  const name =
    typeof claims.name === 'string' && claims.name.trim() !== ''
      ? claims.name
      : [claims.given_name, claims.family_name].filter((v) => typeof v === 'string').join(' ');
  return {
    subject: String(claims.sub),
    email: email.trim(),
    emailVerified: claims.email_verified === true && email === claims.email,
    displayName: (name.trim() || email.trim()).slice(0, 200),
    role,
    sites: config.siteClaim ? listClaim(claimAt(claims, config.siteClaim)).slice(0, 100) : [],
    careUnits: config.careUnitClaim
      ? listClaim(claimAt(claims, config.careUnitClaim))
          .filter((u) => u.length <= 100)
          .slice(0, 100)
      : [],
  };
}
