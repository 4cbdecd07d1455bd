import { provideHttpClient, withInterceptors } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { Component } from '@angular/core';
import { TestBed } from '@angular/core/testing';
import { Router, provideRouter, withComponentInputBinding } from '@angular/router';
import { RouterTestingHarness } from '@angular/router/testing';
import { MemoryStorage, NURSE_LOGIN, refreshTokenNo } from '../../../testing/fixtures';
import { authInterceptor } from '../auth/auth.interceptor';
import { SESSION_STORAGE, SessionStore } from '../auth/session.store';
import { SsoCallbackComponent } from './sso-callback.component';

@Component({ template: '' })
class BlankComponent {}

const CODE = `wto_${'c'.repeat(43)}`;

describe(SsoCallbackComponent.name, () => {
  let backend: HttpTestingController;
  let harness: RouterTestingHarness;

  beforeEach(async () => {
    TestBed.configureTestingModule({
      providers: [
        provideHttpClient(withInterceptors([authInterceptor])),
        provideHttpClientTesting(),
        provideRouter(
          [
            { path: 'login/sso', component: SsoCallbackComponent },
            { path: '**', component: BlankComponent },
          ],
          withComponentInputBinding(),
        ),
        { provide: SESSION_STORAGE, useValue: new MemoryStorage() },
      ],
    });
    backend = TestBed.inject(HttpTestingController);
    harness = await RouterTestingHarness.create();
  });

  afterEach(() => backend.verify());

  /** Comes back from the identity provider, as the server's redirect sends the browser. */
  async function returnWith(fragment: string): Promise<void> {
    await harness.navigateByUrl(`/login/sso#${fragment}`);
  }

  const url = () => TestBed.inject(Router).url;

  it('trades the one-time code for a session and opens the page that asked for sign-in', async () => {
    await returnWith(`code=${CODE}&returnUrl=%2Fmap%2Ffloor-icu`);
    expect(harness.routeNativeElement?.textContent).toContain('Signing you in');

    const exchange = backend.expectOne('/api/v1/auth/oidc/exchange');
    expect(exchange.request.method).toBe('POST');
    expect(exchange.request.body).toEqual({ code: CODE });
    expect(exchange.request.headers.has('Authorization')).toBe(false);
    exchange.flush(NURSE_LOGIN);
    await harness.fixture.whenStable();

    const session = TestBed.inject(SessionStore);
    expect(session.user()?.displayName).toBe('Nora Nurse');
    expect(session.refreshToken()).toBe(refreshTokenNo(1));
    expect(url()).toBe('/map/floor-icu');
  });

  it('opens the map when no return page was given, or one on another site', async () => {
    await returnWith(`code=${CODE}&returnUrl=%2F%2Fevil.example`);
    backend.expectOne('/api/v1/auth/oidc/exchange').flush(NURSE_LOGIN);
    await harness.fixture.whenStable();

    expect(url()).toBe('/map');
  });

  it('goes back to sign-in with the reason the server refused the person', async () => {
    await returnWith('error=no_role');
    await harness.fixture.whenStable();

    backend.expectNone('/api/v1/auth/oidc/exchange');
    expect(url()).toBe('/login?ssoError=no_role');
    expect(TestBed.inject(SessionStore).isActive()).toBe(false);
  });

  it.each([
    ['Account disabled', 'account_disabled'],
    ['Sign-in code expired or already used; sign in again', 'expired'],
  ])('goes back to sign-in when the code is refused (%s)', async (message, reason) => {
    await returnWith(`code=${CODE}`);
    backend
      .expectOne('/api/v1/auth/oidc/exchange')
      .flush({ statusCode: 401, message }, { status: 401, statusText: 'Unauthorized' });
    await harness.fixture.whenStable();

    expect(url()).toBe(`/login?ssoError=${reason}`);
    expect(TestBed.inject(SessionStore).isActive()).toBe(false);
  });
});
