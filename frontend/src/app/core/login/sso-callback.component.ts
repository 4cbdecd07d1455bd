import { HttpErrorResponse } from '@angular/common/http';
import { ChangeDetectionStrategy, Component, OnInit, inject } from '@angular/core';
import { ActivatedRoute, Router } from '@angular/router';
import { SessionKeeper } from '../auth/session-keeper';
import { SsoApi, safeReturnUrl } from './sso';

/**
 * Where single sign-on comes back (`/login/sso#code=…` or `#error=…`): trades the one-time code for a
 * session and opens the page that asked for sign-in, or returns to the sign-in screen with the reason.
 * The code is in the fragment so it never reaches a server log; the page replaces itself in the
 * history so Back does not return to a used code.
 */
@Component({
  selector: 'wt-sso-callback',
  template: `<main class="sso" aria-live="polite"><p>Signing you in…</p></main>`,
  styles: `
    .sso {
      min-height: 100dvh;
      display: grid;
      place-items: center;
      color: var(--wt-muted);
    }
  `,
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class SsoCallbackComponent implements OnInit {
  private readonly route = inject(ActivatedRoute);
  private readonly router = inject(Router);
  private readonly sso = inject(SsoApi);
  private readonly keeper = inject(SessionKeeper);

  ngOnInit(): void {
    const params = new URLSearchParams(this.route.snapshot.fragment ?? '');
    const code = params.get('code');
    if (!code) {
      this.backToSignIn(params.get('error') ?? 'sign_in_failed');
      return;
    }
    this.sso.exchange(code).subscribe({
      next: (response) => {
        this.keeper.begin(response);
        void this.router.navigateByUrl(safeReturnUrl(params.get('returnUrl')), { replaceUrl: true });
      },
      error: (error: unknown) => this.backToSignIn(exchangeRefusal(error)),
    });
  }

  private backToSignIn(reason: string): void {
    void this.router.navigate(['/login'], { queryParams: { ssoError: reason }, replaceUrl: true });
  }
}

/** Why the server would not trade the code: the account was disabled meanwhile, or the code is spent. */
function exchangeRefusal(error: unknown): string {
  if (!(error instanceof HttpErrorResponse) || error.status !== 401) {
    return 'sign_in_failed';
  }
  const message = (error.error as { message?: unknown } | null)?.message;
  return typeof message === 'string' && /disabled/i.test(message) ? 'account_disabled' : 'expired';
}
