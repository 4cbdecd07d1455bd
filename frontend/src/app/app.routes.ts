import { Routes } from '@angular/router';
import { signedInGuard, signedOutGuard } from './core/auth/auth.guards';

export const appRoutes: Routes = [
  {
    // Single sign-on comes back here with a one-time code (or the reason it was refused).
    path: 'login/sso',
    title: 'Signing in · Wardtrack',
    loadComponent: () => import('./core/login/sso-callback.component').then((m) => m.SsoCallbackComponent),
  },
  {
    path: 'login',
    title: 'Sign in · Wardtrack',
    canActivate: [signedOutGuard],
    loadComponent: () => import('./core/login/login.component').then((m) => m.LoginComponent),
  },
  {
    path: 'map',
    canActivate: [signedInGuard],
    loadChildren: () => import('./floor-map/floor-map.routes').then((m) => m.floorMapRoutes),
  },
  { path: '', pathMatch: 'full', redirectTo: 'map' },
  { path: '**', redirectTo: 'map' },
];
