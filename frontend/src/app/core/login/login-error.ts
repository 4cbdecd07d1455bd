import { HttpErrorResponse } from '@angular/common/http';

/** What to tell someone whose sign-in failed, in words that say what to do next. */
export function loginErrorMessage(error: unknown): string {
  if (!(error instanceof HttpErrorResponse)) {
    return 'Sign-in failed. Please try again.';
  }
  switch (error.status) {
    case 0:
      return 'Cannot reach Wardtrack. Check the network connection and try again.';
    case 400:
    case 401:
      return 'Email or password is incorrect.';
    case 429: {
      const wait = Number(error.headers.get('Retry-After'));
      return Number.isFinite(wait) && wait > 0
        ? `Too many sign-in attempts. Try again in ${Math.ceil(wait)} s.`
        : 'Too many sign-in attempts. Wait a minute, then try again.';
    }
    default:
      return `Wardtrack could not sign you in (error ${error.status}). Please try again.`;
  }
}
