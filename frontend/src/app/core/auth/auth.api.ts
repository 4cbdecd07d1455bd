import { HttpClient } from '@angular/common/http';
import { Injectable, inject } from '@angular/core';
import type { LoginRequest, LoginResponse, UserDto } from '@wardtrack/contracts';
import { Observable, catchError, map, of } from 'rxjs';
import { ApiUrl } from '../api-url';

/** Demo sign-in details, served only by the embedded evaluation setup (`GET /auth/demo`). */
export interface DemoAccounts {
  accounts: string[];
  password: string;
}

/** Calls to `/api/v1/auth`. */
@Injectable({ providedIn: 'root' })
export class AuthApi {
  private readonly http = inject(HttpClient);
  private readonly url = inject(ApiUrl);

  login(credentials: LoginRequest): Observable<LoginResponse> {
    return this.http.post<LoginResponse>(this.url.v1('/auth/login'), credentials);
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
