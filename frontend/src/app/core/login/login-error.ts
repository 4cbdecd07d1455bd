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
    case 429:
      return tooManyAttemptsMessage(error);
    default:
      return `Wardtrack could not sign you in (error ${error.status}). Please try again.`;
  }
}

/**
 * The account (or this workstation's address) is locked after repeated failures. Retry-After gives the
 * wait in seconds (the lock lasts up to 15 min), said in minutes once it is a minute or more.
 */
function tooManyAttemptsMessage(error: HttpErrorResponse): string {
  const wait = retryAfterSeconds(error.headers.get('Retry-After'));
  if (wait !== null) {
    const when = wait < 60 ? `${wait} s` : `${Math.ceil(wait / 60)} min`;
    return `Too many sign-in attempts — try again in ${when}.`;
  }
  const body = error.error as { message?: unknown } | null;
  return typeof body?.message === 'string' && body.message.trim() !== ''
    ? body.message
    : 'Too many sign-in attempts. Wait a few minutes, then try again.';
}

/** Retry-After as whole seconds from now: either delay-seconds or an HTTP date. */
function retryAfterSeconds(header: string | null): number | null {
  if (header === null || header.trim() === '') {
    return null;
  }
  const seconds = /^\d+$/.test(header.trim()) ? Number(header) : (Date.parse(header) - Date.now()) / 1000;
  return Number.isFinite(seconds) && seconds > 0 ? Math.ceil(seconds) : null;
}
