import { createHash, timingSafeEqual } from 'node:crypto';
import {
  type CanActivate,
  type ExecutionContext,
  ForbiddenException,
  Inject,
  Injectable,
  Logger,
  UnauthorizedException,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { APP_CONFIG, type AppConfig } from '@backend/config/app-config';
import { DeviceKeyService } from '@backend/devices/device-key.service';
import { ACCESS_RULE, type AccessRule } from './access.decorator';
import type { AuthenticatedRequest } from './principal';
import { SessionsService } from './sessions.service';
import { TokenService } from './token.service';
import { UsersService } from './users.service';

/**
 * The one gate in front of every route. A route declares who may call it (`@Roles`,
 * `@AnyStaff`, `@DeviceOnly`, `@Public`); a route without a declaration refuses everyone.
 */
@Injectable()
export class AccessGuard implements CanActivate {
  private readonly logger = new Logger(AccessGuard.name);

  constructor(
    private readonly reflector: Reflector,
    private readonly tokens: TokenService,
    private readonly users: UsersService,
    private readonly sessions: SessionsService,
    private readonly deviceKeys: DeviceKeyService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const rule = this.reflector.getAllAndOverride<AccessRule | undefined>(ACCESS_RULE, [
      context.getHandler(),
      context.getClass(),
    ]);
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    if (!rule) {
      this.logger.error(`Route ${request.method} ${request.url} declares no access rule; refusing`);
      throw new ForbiddenException('This route is not open to anyone');
    }
    switch (rule.kind) {
      case 'public':
        return true;
      case 'device': {
        const key = deviceKeyOf(request);
        if (!key) throw new UnauthorizedException('Device API key required (X-Api-Key header or HTTP Basic password)');
        const device = await this.deviceKeys.authenticate(key);
        if (!device) throw new UnauthorizedException('Unknown or revoked device API key');
        request.principal = device;
        return true;
      }
      case 'users': {
        const token = bearerOf(request);
        if (!token) throw new UnauthorizedException('Sign-in required (Authorization: Bearer <token>)');
        if (rule.scrapeToken && isScrapeToken(token, this.config.metrics.token)) return true;
        const user = this.tokens.verify(token);
        if (!user) throw new UnauthorizedException('Invalid or expired token');
        if (!(await this.sessions.isActive(user.sessionId)))
          throw new UnauthorizedException('Session ended; sign in again');
        const { active, scope } = await this.users.activeScope(user.id);
        if (!active) throw new UnauthorizedException('Account disabled');
        if (!rule.roles.includes(user.role)) {
          throw new ForbiddenException(`Requires role ${rule.roles.join(' or ')}`);
        }
        request.principal = { ...user, scope };
        return true;
      }
    }
  }
}

/** Constant-time comparison with the configured METRICS_TOKEN (none configured: never matches). */
function isScrapeToken(token: string, configured: string | null): boolean {
  if (!configured) return false;
  const digest = (s: string) => createHash('sha256').update(s).digest();
  return timingSafeEqual(digest(token), digest(configured));
}

function bearerOf(request: AuthenticatedRequest): string | null {
  const header = request.headers.authorization;
  if (typeof header !== 'string') return null;
  const match = /^Bearer\s+(\S+)$/i.exec(header);
  return match ? match[1] : null;
}

/** Readers send their key as X-Api-Key, or (many can only do this) as the password of HTTP Basic auth. */
function deviceKeyOf(request: AuthenticatedRequest): string | null {
  const header = request.headers['x-api-key'];
  if (typeof header === 'string' && header.length > 0) return header.trim();
  const auth = request.headers.authorization;
  if (typeof auth === 'string' && /^Basic\s+/i.test(auth)) {
    const decoded = Buffer.from(auth.replace(/^Basic\s+/i, ''), 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    const password = colon >= 0 ? decoded.slice(colon + 1) : decoded;
    return password.length > 0 ? password : null;
  }
  return null;
}
