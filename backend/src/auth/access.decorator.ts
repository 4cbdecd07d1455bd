import { applyDecorators, SetMetadata } from '@nestjs/common';
import { ApiBearerAuth, ApiSecurity } from '@nestjs/swagger';
import { USER_ROLES, type UserRole } from '@wardtrack/contracts';

export const ACCESS_RULE = 'wardtrack:access';

/**
 * Who may call a route. Every route must carry exactly one rule; the global guard refuses
 * any route without one, so forgetting to decide is never an open door.
 */
export type AccessRule =
  | { kind: 'public' }
  | {
      kind: 'users';
      roles: readonly UserRole[];
      /** Also open to a monitoring system presenting the METRICS_TOKEN as its bearer token. */
      scrapeToken?: true;
    }
  | { kind: 'device' };

/** Signed-in users with one of these roles. */
export const Roles = (...roles: UserRole[]) =>
  applyDecorators(SetMetadata(ACCESS_RULE, { kind: 'users', roles } satisfies AccessRule), ApiBearerAuth());

/** Signed-in users with one of these roles, or a Prometheus scraper with `Authorization: Bearer <METRICS_TOKEN>`. */
export const RolesOrScrapeToken = (...roles: UserRole[]) =>
  applyDecorators(
    SetMetadata(ACCESS_RULE, { kind: 'users', roles, scrapeToken: true } satisfies AccessRule),
    ApiBearerAuth(),
  );

/** Any signed-in user, whatever the role. */
export const AnyStaff = () => Roles(...USER_ROLES);

/** No authentication (login, health probes). */
export const Public = () => SetMetadata(ACCESS_RULE, { kind: 'public' } satisfies AccessRule);

/** Readers and gateways, with their own API key (X-Api-Key header). */
export const DeviceOnly = () =>
  applyDecorators(SetMetadata(ACCESS_RULE, { kind: 'device' } satisfies AccessRule), ApiSecurity('device-key'));
