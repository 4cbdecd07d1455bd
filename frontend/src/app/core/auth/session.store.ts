import { Injectable, InjectionToken, computed, inject, signal } from '@angular/core';
import type { LoginResponse, UserDto } from '@wardtrack/contracts';

/**
 * Where the session lives. sessionStorage: a reload keeps the nurse signed in, closing the browser
 * (a shared ward workstation) does not.
 */
export const SESSION_STORAGE = new InjectionToken<Storage>('SESSION_STORAGE', {
  providedIn: 'root',
  factory: () => sessionStorage,
});

const STORAGE_KEY = 'wardtrack.session';

/** Why a session ended, so the sign-in screen can say so. */
export type SessionEndReason = 'signed_out' | 'expired';

interface StoredSession {
  accessToken: string;
  /** Epoch milliseconds after which the access token is no longer accepted. */
  expiresAt: number;
  /** Single-use token that buys the next access token; replaced by every refresh. */
  refreshToken: string;
  /** Epoch milliseconds at which the session ends and the user must sign in again. */
  refreshExpiresAt: number;
  user: UserDto;
}

/** The signed-in user, their short-lived access token and the refresh token that keeps the session going. */
@Injectable({ providedIn: 'root' })
export class SessionStore {
  private readonly storage = inject(SESSION_STORAGE);
  private readonly session = signal<StoredSession | null>(this.read(Date.now()));
  private readonly lastEnd = signal<SessionEndReason | null>(null);

  readonly user = computed(() => this.session()?.user ?? null);
  readonly accessToken = computed(() => this.session()?.accessToken ?? null);
  /** Epoch milliseconds at which the current access token expires. */
  readonly accessExpiresAt = computed(() => this.session()?.expiresAt ?? null);
  readonly refreshToken = computed(() => this.session()?.refreshToken ?? null);
  /** Epoch milliseconds at which the session ends, however often the access token is refreshed. */
  readonly refreshExpiresAt = computed(() => this.session()?.refreshExpiresAt ?? null);
  /** Why the previous session ended, if one ended in this tab. */
  readonly endReason = this.lastEnd.asReadonly();

  /**
   * Whether there is a session that has not ended yet. An expired access token alone does not end it:
   * the refresh token can still buy a new one.
   */
  isActive(now = Date.now()): boolean {
    const session = this.session();
    return session !== null && session.refreshExpiresAt > now;
  }

  /** Keeps the tokens of a sign-in or a refresh (both answer with a `LoginResponse`). */
  start(login: LoginResponse, now = Date.now()): void {
    this.save({
      accessToken: login.accessToken,
      expiresAt: now + login.expiresIn * 1000,
      refreshToken: login.refreshToken,
      refreshExpiresAt: now + login.refreshExpiresIn * 1000,
      user: login.user,
    });
    this.lastEnd.set(null);
  }

  /** Refreshes the user's name or role (from `GET /auth/me`) without touching the tokens. */
  updateUser(user: UserDto): void {
    const session = this.session();
    if (session !== null) {
      this.save({ ...session, user });
    }
  }

  end(reason: SessionEndReason): void {
    this.storage.removeItem(STORAGE_KEY);
    this.session.set(null);
    this.lastEnd.set(reason);
  }

  private save(session: StoredSession): void {
    this.storage.setItem(STORAGE_KEY, JSON.stringify(session));
    this.session.set(session);
  }

  private read(now: number): StoredSession | null {
    const raw = this.storage.getItem(STORAGE_KEY);
    if (raw === null) {
      return null;
    }
    try {
      const parsed = JSON.parse(raw) as Partial<StoredSession>;
      // An entry without a refresh token predates refresh tokens: it could not be kept alive, so start over.
      if (
        typeof parsed.accessToken === 'string' &&
        typeof parsed.expiresAt === 'number' &&
        typeof parsed.refreshToken === 'string' &&
        typeof parsed.refreshExpiresAt === 'number' &&
        parsed.refreshExpiresAt > now &&
        typeof parsed.user?.id === 'string'
      ) {
        return parsed as StoredSession;
      }
    } catch {
      // A corrupt entry is treated like no session at all.
    }
    this.storage.removeItem(STORAGE_KEY);
    return null;
  }
}
