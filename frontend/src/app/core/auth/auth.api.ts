import { HttpClient, HttpContext, HttpContextToken } from '@angular/common/http';
import { Injectable, inject } from '@angular/core';
import type { LoginRequest, LoginResponse, UserDto } from '@wardtrack/contracts';
import { Observable, catchError, map, of } from 'rxjs';
import { ApiUrl } from '../api-url';

/** Demo sign-in details, served only by the embedded evaluation setup (`GET /auth/demo`). */
export interface DemoAccounts {
  accounts: string[];
  password: string;
}

/**
 * Marks the requests that create or renew a session (sign-in, refresh): the auth interceptor sends them
 * as they are, without a bearer token, and never answers their 401 with a refresh (that would loop).
 */
export const SESSION_REQUEST = new HttpContextToken<boolean>(() => false);

/** Calls to `/api/v1/auth`. */
@Injectable({ providedIn: 'root' })
export class AuthApi {
  private readonly http = inject(HttpClient);
  private readonly url = inject(ApiUrl);

  login(credentials: LoginRequest): Observable<LoginResponse> {
    return this.http.post<LoginResponse>(this.url.v1('/auth/login'), credentials, { context: sessionRequest() });
  }

  /** Trades the single-use refresh token for new tokens; 401 once the session has ended. */
  refresh(refreshToken: string): Observable<LoginResponse> {
    return this.http.post<LoginResponse>(this.url.v1('/auth/refresh'), { refreshToken }, { context: sessionRequest() });
  }

  /** Ends the session on the server: its access and refresh tokens stop working. */
  logout(): Observable<void> {
    return this.http.post<void>(this.url.v1('/auth/logout'), null);
  }

  me(): Observable<UserDto> {
    return this.http.get<UserDto>(this.url.v1('/auth/me'));
  }

  /** The demo accounts, or null when this is not a demo installation (404) or the answer is unusable. */
  demoAccounts(): Observable<DemoAccounts | null> {
    return this.http.get<unknown>(this.url.v1('/auth/demo')).pipe(
      map((body) => (isDemoAccounts(body) ? { accounts: body.accounts, password: body.password } : null)),
      catchError(() => of(null)),
    );
  }
}

function sessionRequest(): HttpContext {
  return new HttpContext().set(SESSION_REQUEST, true);
}

function isDemoAccounts(body: unknown): body is DemoAccounts & { demo: true } {
  if (typeof body !== 'object' || body === null) {
    return false;
  }
  const candidate = body as Record<string, unknown>;
  return (
    candidate['demo'] === true &&
    Array.isArray(candidate['accounts']) &&
    candidate['accounts'].every((account) => typeof account === 'string') &&
    typeof candidate['password'] === 'string'
  );
}
