import { inject } from '@angular/core';
import { CanActivateFn, Router } from '@angular/router';
import { SessionStore } from './session.store';

/** Screens behind sign-in: without an active session go to /login and come back afterwards. */
export const signedInGuard: CanActivateFn = (_route, state) => {
  if (inject(SessionStore).isActive()) {
    return true;
  }
  return inject(Router).createUrlTree(['/login'], { queryParams: { returnUrl: state.url } });
};

/** The sign-in screen is pointless when already signed in. */
export const signedOutGuard: CanActivateFn = () =>
  inject(SessionStore).isActive() ? inject(Router).createUrlTree(['/map']) : true;
