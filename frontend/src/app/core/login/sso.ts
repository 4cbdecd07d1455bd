import { HttpClient, HttpContext } from '@angular/common/http';
import { Injectable, inject } from '@angular/core';
import type { LoginResponse } from '@wardtrack/contracts';
import { Observable, catchError, map, of } from 'rxjs';
import { ApiUrl } from '../api-url';
import { SESSION_REQUEST } from '../auth/auth.api';

/** Single sign-on as the server offers it (`GET /auth/oidc/config`). */
export interface SsoSettings {
  /** The button reads "Sign in with <label>". */
  label: string;
}

/** Calls to `/api/v1/auth/oidc`: single sign-on through the hospital's identity provider. */
@Injectable({ providedIn: 'root' })
export class SsoApi {
  private readonly http = inject(HttpClient);
  private readonly url = inject(ApiUrl);

  /** The button's label when single sign-on is configured; null when it is off or the answer is unusable. */
  settings(): Observable<SsoSettings | null> {
    return this.http.get<unknown>(this.url.v1('/auth/oidc/config')).pipe(
      map((body) => {
        const candidate = body as { enabled?: unknown; label?: unknown } | null;
        return candidate?.enabled === true && typeof candidate.label === 'string' ? { label: candidate.label } : null;
      }),
      catchError(() => of(null)),
    );
  }

  /** Where the browser goes to start: the server redirects it to the identity provider. */
  startUrl(returnUrl: string | null): string {
    const query = returnUrl ? `?returnUrl=${encodeURIComponent(returnUrl)}` : '';
    return this.url.v1(`/auth/oidc/start${query}`);
  }

  /** Trades the one-time code the sign-in came back with for the session's tokens. */
  exchange(code: string): Observable<LoginResponse> {
    return this.http.post<LoginResponse>(
      this.url.v1('/auth/oidc/exchange'),
      { code },
      { context: new HttpContext().set(SESSION_REQUEST, true) },
    );
  }
}

/**
 * What to tell someone whose single sign-on did not let them in, by the reason the server gave
 * (`/login/sso#error=…`) or `expired` when the one-time code was refused.
 */
export function ssoErrorMessage(reason: string): string {
  switch (reason) {
    case 'account_disabled':
      return 'Your Wardtrack account is disabled. Ask your Wardtrack administrator to enable it.';
    case 'no_role':
      return "There is no Wardtrack role for you in your organisation's directory. Ask IT to give you access to Wardtrack.";
    case 'unknown_site':
      return "The sites in your organisation's directory entry are not known to Wardtrack. Ask your Wardtrack administrator.";
    case 'no_email':
      return "Your organisation's directory gave Wardtrack no e-mail address for you. Ask IT to add one.";
    case 'account_conflict':
      return 'A Wardtrack account with your e-mail address already exists. Sign in with its password, or ask your Wardtrack administrator to link it.';
    case 'provider_error':
      return 'Single sign-on was cancelled or refused by your organisation’s sign-in service.';
    case 'invalid_state':
    case 'expired':
      return 'That sign-in link has expired or was already used. Please sign in again.';
    case 'not_configured':
      return 'Single sign-on is not set up for this Wardtrack.';
    default:
      return 'Single sign-on failed. Please try again, or sign in with your Wardtrack password.';
  }
}

/** Only same-app paths: a crafted link must not send someone to another site after sign-in. */
export function safeReturnUrl(url: string | null | undefined): string {
  return typeof url === 'string' && url.startsWith('/') && !url.startsWith('//') && !url.startsWith('/login')
    ? url
    : '/map';
}
