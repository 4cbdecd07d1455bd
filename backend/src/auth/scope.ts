import type { Principal } from './principal';

/** Where a user may look: an empty list leaves that dimension unrestricted. */
export interface UserScope {
  siteIds: string[];
  careUnits: string[];
}

export const UNRESTRICTED: UserScope = { siteIds: [], careUnits: [] };

/** The scope of a caller; devices are not scoped. */
export function scopeOf(principal: Principal): UserScope {
  return principal.type === 'user' ? principal.scope : UNRESTRICTED;
}

export function isRestricted(scope: UserScope): boolean {
  return scope.siteIds.length > 0 || scope.careUnits.length > 0;
}

/** Whether a site is within the scope (a missing site is only visible to a user not restricted by site). */
export function siteInScope(scope: UserScope, siteId: string | null | undefined): boolean {
  return scope.siteIds.length === 0 || (typeof siteId === 'string' && scope.siteIds.includes(siteId));
}

/** Whether a care unit is within the scope (a missing care unit only to a user not restricted by care unit). */
export function careUnitInScope(scope: UserScope, careUnit: string | null | undefined): boolean {
  return scope.careUnits.length === 0 || (typeof careUnit === 'string' && scope.careUnits.includes(careUnit));
}

export interface ScopeSql {
  /** A boolean SQL condition (`TRUE` when unrestricted). */
  sql: string;
  params: unknown[];
}

/**
 * The scope as a SQL condition over the given columns, with positional parameters numbered from
 * `firstParam`. Pass null for a column to leave that dimension unchecked (a floor has no care unit).
 * A NULL column value fails a restricted dimension.
 */
export function scopeSql(
  scope: UserScope,
  siteColumn: string | null,
  careUnitColumn: string | null,
  firstParam = 1,
): ScopeSql {
  const conditions: string[] = [];
  const params: unknown[] = [];
  if (siteColumn && scope.siteIds.length > 0) {
    params.push(scope.siteIds);
    conditions.push(`${siteColumn} = ANY($${firstParam + params.length - 1}::uuid[])`);
  }
  if (careUnitColumn && scope.careUnits.length > 0) {
    params.push(scope.careUnits);
    conditions.push(`${careUnitColumn} = ANY($${firstParam + params.length - 1}::text[])`);
  }
  return { sql: conditions.length > 0 ? `(${conditions.join(' AND ')})` : 'TRUE', params };
}
