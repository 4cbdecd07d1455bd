import { Inject, Injectable, UnauthorizedException } from '@nestjs/common';
import type { LoginResponse } from '@wardtrack/contracts';
import { APP_CONFIG, type AppConfig } from '@backend/config/app-config';
import { DEMO_ACCOUNTS, DEMO_PASSWORD } from '@backend/demo/demo-accounts';
import { dummyPasswordHash, verifyPassword } from './password';
import { TokenService } from './token.service';
import { toUserDto, UsersService } from './users.service';

export interface DemoAccountsDto {
  demo: true;
  accounts: string[];
  password: string;
}

@Injectable()
export class AuthService {
  constructor(
    private readonly users: UsersService,
    private readonly tokens: TokenService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async login(email: string, password: string): Promise<LoginResponse> {
    const user = await this.users.findForLogin(email);
    // Verify against a dummy hash when there is no such account, so response time does not reveal it.
    const ok = await verifyPassword(user?.passwordHash ?? (await dummyPasswordHash()), password);
    if (!user || !ok || !user.active) throw new UnauthorizedException('Email or password is incorrect');
    const dto = toUserDto(user);
    return {
      accessToken: this.tokens.sign({ type: 'user', ...dto }),
      tokenType: 'Bearer',
      expiresIn: this.tokens.ttlSeconds,
      user: dto,
    };
  }

  /** The demo accounts, only on the embedded evaluation setup (where they exist). */
  demoAccounts(): DemoAccountsDto | null {
    if (!this.config.embedded) return null;
    return { demo: true, accounts: DEMO_ACCOUNTS.map((a) => a.email), password: DEMO_PASSWORD };
  }
}
