import { HttpErrorResponse } from '@angular/common/http';
import { DestroyRef, Injectable, inject } from '@angular/core';
import { Router } from '@angular/router';
import type { LoginResponse } from '@wardtrack/contracts';
import { TimeoutError, firstValueFrom, timeout } from 'rxjs';
import { AuthApi } from './auth.api';
import { SessionStore } from './session.store';

/** Refresh this long before the access token expires, so polls never go out with a dead token. */
export const REFRESH_AHEAD_MS = 60_000;
/** After a refresh lost to the network or a server error, try again this soon. */
export const REFRESH_RETRY_MS = 15_000;
/** A refresh that has not answered by then counts as lost to the network. */
export const REFRESH_TIMEOUT_MS = 30_000;
/** Sign-out waits this long for the server before clearing the session anyway. */
export const LOGOUT_TIMEOUT_MS = 5_000;
/** setTimeout fires at once for longer delays. */
const MAX_TIMER_MS = 2_147_483_647;

/**
 * Keeps a nurse signed in for the whole session: trades the single-use refresh token for new tokens
 * shortly before the access token expires (and when the API refuses it), and ends the session for real
 * on sign-out. Every refresh goes through one promise, because a refresh token presented twice makes
 * the server end the session.
 */
@Injectable({ providedIn: 'root' })
export class SessionKeeper {
  private readonly session = inject(SessionStore);
  private readonly authApi = inject(AuthApi);
  private readonly router = inject(Router);
  private timer: ReturnType<typeof setTimeout> | undefined;
  private inFlight: Promise<string> | null = null;
  private signingOut = false;

  constructor() {
    inject(DestroyRef).onDestroy(() => this.cancelTimer());
  }

  /** Starts the session a sign-in returned. */
  begin(login: LoginResponse): void {
    this.session.start(login);
    this.schedule();
  }

  /** Keeps a session restored from storage (a reload) alive; refreshes at once if its access token has expired. */
  resume(): void {
    if (this.session.isActive()) {
      this.schedule();
    }
  }

  /**
   * A usable access token after the API refused `rejected` with 401: the token another caller's refresh
   * already brought, the refresh in flight, or a new refresh. Rejects when the session could not be renewed.
   */
  renew(rejected: string): Promise<string> {
    const current = this.session.accessToken();
    return current !== null && current !== rejected ? Promise.resolve(current) : this.refresh();
  }

  /** Trades the refresh token for new tokens, joining the refresh in flight if there is one. */
  refresh(): Promise<string> {
    this.inFlight ??= this.exchange().finally(() => (this.inFlight = null));
    return this.inFlight;
  }

  /** The server no longer accepts this session: forget it and ask for sign-in, coming back here afterwards. */
  expire(): void {
    this.cancelTimer();
    // Sign-out clears the session itself; a session already gone was handled by whoever ended it.
    if (this.signingOut || this.session.accessToken() === null) {
      return;
    }
    this.session.end('expired');
    const returnUrl = this.router.url;
    void this.router.navigate(['/login'], {
      queryParams: returnUrl.startsWith('/login') || returnUrl === '/' ? {} : { returnUrl },
    });
  }

  /**
   * Ends the session on the server (best effort: offline or refused, the local session is cleared anyway)
   * and shows the sign-in screen.
   */
  async signOut(): Promise<void> {
    if (this.signingOut) {
      return;
    }
    this.signingOut = true;
    try {
      // A refresh in flight replaces the tokens: wait for it, so the logout ends the session it belongs to.
      await this.inFlight?.catch(() => undefined);
      this.cancelTimer();
      if (this.session.accessToken() !== null) {
        await firstValueFrom(this.authApi.logout().pipe(timeout(LOGOUT_TIMEOUT_MS)), { defaultValue: undefined });
      }
    } catch {
      // Best effort: the server ends an unused session on its own at the latest when it expires.
    } finally {
      this.cancelTimer();
      this.session.end('signed_out');
      this.signingOut = false;
    }
    await this.router.navigate(['/login']);
  }

  private async exchange(): Promise<string> {
    const refreshToken = this.session.refreshToken();
    if (refreshToken === null || !this.session.isActive()) {
      this.expire();
      throw new Error('The session has ended');
    }
    this.cancelTimer();
    try {
      const login = await firstValueFrom(this.authApi.refresh(refreshToken).pipe(timeout(REFRESH_TIMEOUT_MS)));
      if (this.session.refreshToken() !== refreshToken) {
        // Signed out meanwhile: these tokens belong to no one here.
        throw new Error('The session ended during the refresh');
      }
      this.session.start(login);
      this.schedule();
      return login.accessToken;
    } catch (error: unknown) {
      if (isTransient(error) && this.session.refreshToken() === refreshToken) {
        // The request may never have reached the server, so the token may still be good: try again soon.
        this.schedule(REFRESH_RETRY_MS);
      } else {
        this.expire();
      }
      throw error;
    }
  }

  /** Arms the timer for the next refresh: `delayMs` from now, or shortly before the access token expires. */
  private schedule(delayMs?: number): void {
    this.cancelTimer();
    const expiresAt = this.session.accessExpiresAt();
    const endsAt = this.session.refreshExpiresAt();
    if (expiresAt === null || endsAt === null) {
      return;
    }
    const now = Date.now();
    const at = delayMs === undefined ? expiresAt - REFRESH_AHEAD_MS : now + delayMs;
    if (at >= endsAt) {
      // The session ends before then: there is nothing left to refresh.
      return;
    }
    this.timer = setTimeout(
      () => {
        this.timer = undefined;
        // Failures are handled in exchange(): a retry is scheduled or the session ends.
        this.refresh().catch(() => undefined);
      },
      Math.min(Math.max(0, at - now), MAX_TIMER_MS),
    );
  }

  private cancelTimer(): void {
    if (this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
  }
}

/** Failures that say nothing about the session: no network, no answer in time, a server in trouble. */
function isTransient(error: unknown): boolean {
  if (error instanceof TimeoutError) {
    return true;
  }
  return error instanceof HttpErrorResponse && (error.status === 0 || error.status === 429 || error.status >= 500);
}
