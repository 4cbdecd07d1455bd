import { Inject, Injectable, UnauthorizedException } from '@nestjs/common';
import type { LoginResponse, UserDto } from '@wardtrack/contracts';
import { APP_CONFIG, type AppConfig } from '@backend/config/app-config';
import { DEMO_ACCOUNTS, DEMO_PASSWORD } from '@backend/demo/demo-accounts';
import { ACCOUNT_POLICY, ADDRESS_POLICY, LoginThrottleService } from './login-throttle.service';
import { dummyPasswordHash, verifyPassword } from './password';
import type { UserPrincipal } from './principal';
import { type IssuedSession, SessionsService } from './sessions.service';
import { TokenService } from './token.service';
import { toUserDto, UsersService } from './users.service';

export interface DemoAccountsDto {
  demo: true;
  accounts: string[];
  password: string;
}

export interface ClientInfo {
  ip: string | null;
  userAgent: string | null;
}

@Injectable()
export class AuthService {
  constructor(
    private readonly users: UsersService,
    private readonly tokens: TokenService,
    private readonly sessions: SessionsService,
    private readonly throttle: LoginThrottleService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async login(email: string, password: string, client: ClientInfo): Promise<LoginResponse> {
    const accountKey = `account:${email.trim().toLowerCase()}`;
    const addressKey = `address:${client.ip ?? 'unknown'}`;
    await this.throttle.assertNotLocked([accountKey, addressKey]);
    const user = await this.users.findForLogin(email);
    // Verify against a dummy hash when there is no such account, so response time does not reveal it.
    const ok = await verifyPassword(user?.passwordHash ?? (await dummyPasswordHash()), password);
    if (!user || !ok || !user.active) {
      await this.throttle.recordFailure(accountKey, ACCOUNT_POLICY);
      await this.throttle.recordFailure(addressKey, ADDRESS_POLICY);
      throw new UnauthorizedException('Email or password is incorrect');
    }
    await this.throttle.clear(accountKey);
    const session = await this.sessions.create(user.id, client);
    return this.respond(toUserDto(user), session);
  }

  async refresh(refreshToken: string): Promise<LoginResponse> {
    const session = await this.sessions.rotate(refreshToken);
    const user = await this.users.get(session.userId).catch(() => null);
    if (!user?.active) {
      await this.sessions.revoke(session.sessionId, 'account disabled');
      throw new UnauthorizedException('Account disabled');
    }
    return this.respond(toUserDto(user), session);
  }

  logout(principal: UserPrincipal): Promise<void> {
    return this.sessions.revoke(principal.sessionId, 'signed out');
  }

  /** The demo accounts, only on the embedded evaluation setup (where they exist). */
  demoAccounts(): DemoAccountsDto | null {
    if (!this.config.embedded) return null;
    return { demo: true, accounts: DEMO_ACCOUNTS.map((a) => a.email), password: DEMO_PASSWORD };
  }

  private respond(user: UserDto, session: IssuedSession): LoginResponse {
    return {
      accessToken: this.tokens.sign({ type: 'user', ...user, sessionId: session.sessionId }),
      tokenType: 'Bearer',
      expiresIn: this.tokens.ttlSeconds,
      refreshToken: session.refreshToken,
      refreshExpiresIn: Math.max(0, Math.round((session.expiresAt.getTime() - Date.now()) / 1000)),
      user,
    };
  }
}
