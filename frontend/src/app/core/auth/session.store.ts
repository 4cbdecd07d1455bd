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
  /** Epoch milliseconds after which the token is no longer accepted. */
  expiresAt: number;
  user: UserDto;
}

/** The signed-in user and their access token. */
@Injectable({ providedIn: 'root' })
export class SessionStore {
  private readonly storage = inject(SESSION_STORAGE);
  private readonly session = signal<StoredSession | null>(this.read(Date.now()));
  private readonly lastEnd = signal<SessionEndReason | null>(null);

  readonly user = computed(() => this.session()?.user ?? null);
  readonly accessToken = computed(() => this.session()?.accessToken ?? null);
  /** Why the previous session ended, if one ended in this tab. */
  readonly endReason = this.lastEnd.asReadonly();

  /** Whether there is a session whose token has not expired yet. */
  isActive(now = Date.now()): boolean {
    const session = this.session();
    return session !== null && session.expiresAt > now;
  }

  start(login: LoginResponse, now = Date.now()): void {
    const session: StoredSession = {
      accessToken: login.accessToken,
      expiresAt: now + login.expiresIn * 1000,
      user: login.user,
    };
    this.storage.setItem(STORAGE_KEY, JSON.stringify(session));
    this.session.set(session);
    this.lastEnd.set(null);
  }

  /** Refreshes the user's name or role (from `GET /auth/me`) without touching the token. */
  updateUser(user: UserDto): void {
    const session = this.session();
    if (session === null) {
      return;
    }
    const next = { ...session, user };
    this.storage.setItem(STORAGE_KEY, JSON.stringify(next));
    this.session.set(next);
  }

  end(reason: SessionEndReason): void {
    this.storage.removeItem(STORAGE_KEY);
    this.session.set(null);
    this.lastEnd.set(reason);
  }

  private read(now: number): StoredSession | null {
    const raw = this.storage.getItem(STORAGE_KEY);
    if (raw === null) {
      return null;
    }
    try {
      const parsed = JSON.parse(raw) as Partial<StoredSession>;
      if (
        typeof parsed.accessToken === 'string' &&
        typeof parsed.expiresAt === 'number' &&
        parsed.expiresAt > now &&
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
