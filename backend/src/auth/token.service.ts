import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { USER_ROLES, type UserRole } from '@wardtrack/contracts';
import jwt from 'jsonwebtoken';
import { APP_CONFIG, type AppConfig } from '@backend/config/app-config';
import type { TokenUser } from './principal';

interface AccessTokenClaims {
  sub: string;
  sid: string;
  email: string;
  name: string;
  role: UserRole;
}

/** Signs and verifies the bearer tokens people use (HS256, short-lived). */
@Injectable()
export class TokenService {
  private readonly secret: string;

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {
    if (!config.auth.tokenSecret) throw new Error('AUTH_TOKEN_SECRET was not resolved at start-up');
    this.secret = config.auth.tokenSecret;
  }

  get ttlSeconds(): number {
    return this.config.auth.tokenTtlSeconds;
  }

  sign(user: TokenUser): string {
    const claims: AccessTokenClaims = {
      sub: user.id,
      sid: user.sessionId,
      email: user.email,
      name: user.displayName,
      role: user.role,
    };
    return jwt.sign(claims, this.secret, {
      algorithm: 'HS256',
      expiresIn: this.config.auth.tokenTtlSeconds,
      issuer: 'wardtrack',
      audience: 'wardtrack-api',
      // A unique id per token: two tokens issued in the same second are still different tokens.
      jwtid: randomUUID(),
    });
  }

  /** Returns the user a token speaks for, or null if it is invalid, tampered with or expired. */
  verify(token: string): TokenUser | null {
    try {
      const claims = jwt.verify(token, this.secret, {
        algorithms: ['HS256'],
        issuer: 'wardtrack',
        audience: 'wardtrack-api',
      }) as Partial<AccessTokenClaims>;
      if (typeof claims.sub !== 'string' || typeof claims.sid !== 'string') return null;
      if (!USER_ROLES.includes(claims.role as UserRole)) return null;
      return {
        type: 'user',
        id: claims.sub,
        email: String(claims.email),
        displayName: String(claims.name),
        role: claims.role as UserRole,
        sessionId: claims.sid,
      };
    } catch {
      return null;
    }
  }
}
