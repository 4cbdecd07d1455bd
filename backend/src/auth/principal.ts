import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { UserRole } from '@wardtrack/contracts';
import type { FastifyRequest } from 'fastify';
import type { UserScope } from './scope';

export interface UserPrincipal {
  type: 'user';
  id: string;
  email: string;
  displayName: string;
  role: UserRole;
  /** The sign-in session the token belongs to (revoked on logout). */
  sessionId: string;
  /** The sites and care units the user may see, loaded per request (never carried in the token). */
  scope: UserScope;
}

/** What a bearer token carries: the user without their scope. */
export type TokenUser = Omit<UserPrincipal, 'scope'>;

export interface DevicePrincipal {
  type: 'device';
  id: string;
  code: string;
  kind: string;
  vendorFormat: string;
  /** The site's IANA time zone, for reader times sent without an offset; null if unplaced. */
  timeZone: string | null;
}

/** Who is calling: a signed-in person or a reader/gateway with its own key. */
export type Principal = UserPrincipal | DevicePrincipal;

/** Who made a change, as the audit log records it. */
export interface Actor {
  type: 'user' | 'device' | 'system';
  id: string | null;
  label: string;
  requestId: string | null;
}

export const SYSTEM_ACTOR: Actor = { type: 'system', id: null, label: 'system', requestId: null };

export type AuthenticatedRequest = FastifyRequest & { principal?: Principal };

export function actorOf(principal: Principal, requestId: string | null): Actor {
  return principal.type === 'user'
    ? { type: 'user', id: principal.id, label: principal.email, requestId }
    : { type: 'device', id: principal.id, label: principal.code, requestId };
}

/** The authenticated caller (set by the global AccessGuard). */
export const CurrentPrincipal = createParamDecorator((_: unknown, ctx: ExecutionContext): Principal => {
  const request = ctx.switchToHttp().getRequest<AuthenticatedRequest>();
  if (!request.principal) throw new Error('CurrentPrincipal used on a route without authentication');
  return request.principal;
});

/** The caller as an audit actor, carrying the request id. */
export const CurrentActor = createParamDecorator((_: unknown, ctx: ExecutionContext): Actor => {
  const request = ctx.switchToHttp().getRequest<AuthenticatedRequest>();
  if (!request.principal) throw new Error('CurrentActor used on a route without authentication');
  return actorOf(request.principal, String(request.id));
});
