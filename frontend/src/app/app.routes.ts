import { Routes } from '@angular/router';
import { signedInGuard, signedOutGuard } from './core/auth/auth.guards';

export const appRoutes: Routes = [
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
