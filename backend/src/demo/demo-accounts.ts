import type { UserRole } from '@wardtrack/contracts';

/** Accounts created on embedded defaults only (evaluation); never with a real DATABASE_URL. */
export const DEMO_ACCOUNTS: readonly { email: string; displayName: string; role: UserRole }[] = [
  { email: 'admin@wardtrack.demo', displayName: 'Demo Admin', role: 'admin' },
  { email: 'nurse@wardtrack.demo', displayName: 'Demo Nurse', role: 'nurse' },
  { email: 'supply@wardtrack.demo', displayName: 'Demo Supply Manager', role: 'supply_manager' },
  { email: 'biomed@wardtrack.demo', displayName: 'Demo Biomed', role: 'biomed' },
];

export const DEMO_PASSWORD = 'wardtrack-demo';
