import { ChangeDetectionStrategy, Component, computed, inject, input, signal } from '@angular/core';
import { toSignal } from '@angular/core/rxjs-interop';
import { NonNullableFormBuilder, ReactiveFormsModule, Validators } from '@angular/forms';
import { Router } from '@angular/router';
import { AuthApi } from '../auth/auth.api';
import { SessionKeeper } from '../auth/session-keeper';
import { SessionStore } from '../auth/session.store';
import { loginErrorMessage } from './login-error';
import { SsoApi, safeReturnUrl, ssoErrorMessage } from './sso';

/** Sign-in screen (`/login`). */
@Component({
  selector: 'wt-login',
  imports: [ReactiveFormsModule],
  templateUrl: './login.component.html',
  styleUrl: './login.component.css',
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class LoginComponent {
  private readonly authApi = inject(AuthApi);
  private readonly keeper = inject(SessionKeeper);
  private readonly router = inject(Router);
  private readonly ssoApi = inject(SsoApi);

  /** Where to go after signing in (query parameter, set when a page required sign-in). */
  readonly returnUrl = input<string>();
  /** Why single sign-on did not let the person in (query parameter, set by the SSO return page). */
  readonly ssoError = input<string>();

  /* eslint-disable @typescript-eslint/unbound-method -- Angular's static validators never use `this`. */
  protected readonly form = inject(NonNullableFormBuilder).group({
    email: ['', [Validators.required, Validators.email]],
    password: ['', Validators.required],
  });
  /* eslint-enable @typescript-eslint/unbound-method */
  protected readonly submitting = signal(false);
  protected readonly error = signal<string | null>(null);
  /** How the previous session ended, if it ended in this tab. */
  protected readonly endReason = inject(SessionStore).endReason();
  protected readonly demo = toSignal(this.authApi.demoAccounts(), { initialValue: null });
  /** Single sign-on, when the server offers it: shown as a button above the password form. */
  protected readonly sso = toSignal(this.ssoApi.settings(), { initialValue: null });
  protected readonly ssoStartUrl = computed(() => {
    const returnUrl = this.returnUrl();
    return this.ssoApi.startUrl(returnUrl === undefined ? null : safeReturnUrl(returnUrl));
  });
  /** Set once the person tries their password instead: the SSO message no longer applies. */
  private readonly ssoErrorDismissed = signal(false);
  protected readonly ssoErrorText = computed(() => {
    const reason = this.ssoError();
    return reason && !this.ssoErrorDismissed() ? ssoErrorMessage(reason) : null;
  });

  protected submit(): void {
    if (this.submitting()) {
      return;
    }
    if (this.form.invalid) {
      this.form.markAllAsTouched();
      return;
    }
    this.submitting.set(true);
    this.error.set(null);
    this.ssoErrorDismissed.set(true);
    this.authApi.login(this.form.getRawValue()).subscribe({
      next: (response) => {
        this.keeper.begin(response);
        void this.router.navigateByUrl(safeReturnUrl(this.returnUrl()));
      },
      error: (error: unknown) => {
        this.error.set(loginErrorMessage(error));
        this.submitting.set(false);
        this.form.controls.password.reset();
      },
    });
  }

  protected useDemoAccount(email: string, password: string): void {
    this.form.setValue({ email, password });
    this.error.set(null);
  }
}
