import { HttpErrorResponse, HttpInterceptorFn } from '@angular/common/http';
import { inject } from '@angular/core';
import { Router } from '@angular/router';
import { catchError, throwError } from 'rxjs';
import { ApiUrl } from '../api-url';
import { SessionStore } from './session.store';

/**
 * Sends the bearer token with every API request. A 401 on a request that carried the token means
 * the session is over (expired or revoked): forget it and go to the sign-in screen, coming back here after.
 */
export const authInterceptor: HttpInterceptorFn = (req, next) => {
  const session = inject(SessionStore);
  const apiUrl = inject(ApiUrl);
  const router = inject(Router);

  const token = session.accessToken();
  if (token === null || !apiUrl.isApiRequest(req.url)) {
    return next(req);
  }

  return next(req.clone({ setHeaders: { Authorization: `Bearer ${token}` } })).pipe(
    catchError((error: unknown) => {
      // Several polls can fail at once: only the first one for this token ends the session.
      if (error instanceof HttpErrorResponse && error.status === 401 && session.accessToken() === token) {
        session.end('expired');
        const returnUrl = router.url;
        void router.navigate(['/login'], {
          queryParams: returnUrl.startsWith('/login') || returnUrl === '/' ? {} : { returnUrl },
        });
      }
      return throwError(() => error);
    }),
  );
};
