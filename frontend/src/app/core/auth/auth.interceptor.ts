import { HttpErrorResponse, HttpInterceptorFn, HttpRequest } from '@angular/common/http';
import { inject } from '@angular/core';
import { catchError, from, switchMap, throwError } from 'rxjs';
import { ApiUrl } from '../api-url';
import { SESSION_REQUEST } from './auth.api';
import { SessionKeeper } from './session-keeper';
import { SessionStore } from './session.store';

/**
 * Sends the bearer token with every API request. A 401 on a request that carried the token means the
 * access token expired or was refused: renew it once (shared with every other request that failed the
 * same way) and send the request again. If the session cannot be renewed it is over, and the sign-in
 * screen takes over (see `SessionKeeper`). Sign-in and refresh requests pass through untouched.
 */
export const authInterceptor: HttpInterceptorFn = (req, next) => {
  const session = inject(SessionStore);
  const keeper = inject(SessionKeeper);
  const apiUrl = inject(ApiUrl);

  const token = session.accessToken();
  if (token === null || req.context.get(SESSION_REQUEST) || !apiUrl.isApiRequest(req.url)) {
    return next(req);
  }

  return next(withBearer(req, token)).pipe(
    catchError((error: unknown) => {
      if (!(error instanceof HttpErrorResponse) || error.status !== 401) {
        return throwError(() => error);
      }
      return from(keeper.renew(token)).pipe(
        // No new token: the caller sees its own 401.
        catchError(() => throwError(() => error)),
        switchMap((fresh) =>
          next(withBearer(req, fresh)).pipe(
            catchError((retryError: unknown) => {
              // Refused even with a brand-new token: the session was ended on the server.
              if (retryError instanceof HttpErrorResponse && retryError.status === 401) {
                keeper.expire();
              }
              return throwError(() => retryError);
            }),
          ),
        ),
      );
    }),
  );
};

function withBearer<T>(req: HttpRequest<T>, token: string): HttpRequest<T> {
  return req.clone({ setHeaders: { Authorization: `Bearer ${token}` } });
}
