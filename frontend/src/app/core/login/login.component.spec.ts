import { provideHttpClient, withInterceptors } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { Component } from '@angular/core';
import { ComponentFixture, TestBed } from '@angular/core/testing';
import { Router, provideRouter } from '@angular/router';
import { MemoryStorage, NURSE_LOGIN, refreshTokenNo } from '../../../testing/fixtures';
import { authInterceptor } from '../auth/auth.interceptor';
import { SESSION_STORAGE, SessionStore } from '../auth/session.store';
import { LoginComponent } from './login.component';

@Component({ template: '' })
class BlankComponent {}

describe(LoginComponent.name, () => {
  let fixture: ComponentFixture<LoginComponent>;
  let backend: HttpTestingController;
  let page: HTMLElement;

  beforeEach(async () => {
    TestBed.configureTestingModule({
      imports: [LoginComponent],
      providers: [
        provideHttpClient(withInterceptors([authInterceptor])),
        provideHttpClientTesting(),
        provideRouter([{ path: '**', component: BlankComponent }]),
        { provide: SESSION_STORAGE, useValue: new MemoryStorage() },
      ],
    });
    backend = TestBed.inject(HttpTestingController);
    fixture = TestBed.createComponent(LoginComponent);
    page = fixture.nativeElement as HTMLElement;
    await fixture.whenStable();
  });

  afterEach(() => backend.verify());

  function answerDemo(body: object | null, status = 200): void {
    backend.expectOne('/api/v1/auth/demo').flush(body, { status, statusText: status === 200 ? 'OK' : 'Not Found' });
    // Single sign-on is off unless a test said otherwise.
    for (const request of backend.match('/api/v1/auth/oidc/config')) {
      request.flush({ enabled: false, label: null });
    }
  }

  function answerSso(label: string): void {
    backend.expectOne('/api/v1/auth/oidc/config').flush({ enabled: true, label });
  }

  function ssoLink(): HTMLAnchorElement | null {
    return [...page.querySelectorAll('a')].find((a) => a.textContent?.includes('Sign in with')) ?? null;
  }

  /** Types into the field with that visible label, as a user would find it. */
  function type(label: string, value: string): void {
    const labelElement = [...page.querySelectorAll('label')].find((element) => element.textContent?.trim() === label);
    const input = page.querySelector<HTMLInputElement>(`#${labelElement!.htmlFor}`)!;
    input.value = value;
    input.dispatchEvent(new Event('input'));
  }

  function submitButton(): HTMLButtonElement {
    return page.querySelector<HTMLButtonElement>('button[type=submit]')!;
  }

  async function signIn(email: string, password: string): Promise<void> {
    type('Email', email);
    type('Password', password);
    submitButton().click();
    await fixture.whenStable();
  }

  /** Opens the sign-in screen again, as after a session ended. */
  async function reopen(): Promise<void> {
    answerDemo(null, 404);
    fixture.destroy();
    fixture = TestBed.createComponent(LoginComponent);
    page = fixture.nativeElement as HTMLElement;
    await fixture.whenStable();
    answerDemo(null, 404);
    await fixture.whenStable();
  }

  it('says "You have signed out" after signing out', async () => {
    const session = TestBed.inject(SessionStore);
    session.start(NURSE_LOGIN);
    session.end('signed_out');

    await reopen();

    expect(page.querySelector('[role=status]')?.textContent).toContain('You have signed out.');
  });

  it('says the session has ended when it expired', async () => {
    const session = TestBed.inject(SessionStore);
    session.start(NURSE_LOGIN);
    session.end('expired');

    await reopen();

    expect(page.querySelector('[role=status]')?.textContent).toContain('Your session has ended. Please sign in again.');
  });

  it('shows the product name and labelled fields', async () => {
    answerDemo({ statusCode: 404, message: 'Not Found' }, 404);
    await fixture.whenStable();

    expect(page.querySelector('h1')?.textContent).toContain('Wardtrack');
    expect(page.querySelector('label[for=login-email]')?.textContent).toContain('Email');
    expect(page.querySelector('label[for=login-password]')?.textContent).toContain('Password');
    expect(page.textContent).not.toContain('Demo accounts');
    expect(page.querySelector('[role=status]')).toBeNull();
  });

  it('signs in, keeps the session and opens the map', async () => {
    answerDemo(null, 404);
    const router = TestBed.inject(Router);

    await signIn('nora@wardtrack.test', 'correct horse');
    const request = backend.expectOne('/api/v1/auth/login');
    expect(request.request.method).toBe('POST');
    expect(request.request.body).toEqual({ email: 'nora@wardtrack.test', password: 'correct horse' });
    expect(submitButton().disabled).toBe(true);
    expect(submitButton().textContent).toContain('Signing in');

    request.flush(NURSE_LOGIN);
    await fixture.whenStable();

    expect(TestBed.inject(SessionStore).user()?.displayName).toBe('Nora Nurse');
    expect(TestBed.inject(SessionStore).refreshToken()).toBe(refreshTokenNo(1));
    expect(router.url).toBe('/map');
  });

  it('goes back to the page that asked for sign-in', async () => {
    answerDemo(null, 404);
    fixture.componentRef.setInput('returnUrl', '/map/floor-icu');

    await signIn('nora@wardtrack.test', 'correct horse');
    backend.expectOne('/api/v1/auth/login').flush(NURSE_LOGIN);
    await fixture.whenStable();

    expect(TestBed.inject(Router).url).toBe('/map/floor-icu');
  });

  it('does not follow a return link to another site', async () => {
    answerDemo(null, 404);
    fixture.componentRef.setInput('returnUrl', '//evil.example/phish');

    await signIn('nora@wardtrack.test', 'correct horse');
    backend.expectOne('/api/v1/auth/login').flush(NURSE_LOGIN);
    await fixture.whenStable();

    expect(TestBed.inject(Router).url).toBe('/map');
  });

  it('says the credentials are wrong on 401 and lets the user try again', async () => {
    answerDemo(null, 404);

    await signIn('nora@wardtrack.test', 'wrong');
    backend
      .expectOne('/api/v1/auth/login')
      .flush({ statusCode: 401, message: 'Invalid credentials' }, { status: 401, statusText: 'Unauthorized' });
    await fixture.whenStable();

    expect(page.querySelector('[role=alert]')?.textContent).toContain('Email or password is incorrect');
    expect(submitButton().disabled).toBe(false);
    expect(page.querySelector<HTMLInputElement>('#login-password')!.value).toBe('');
    expect(TestBed.inject(SessionStore).isActive()).toBe(false);
    expect(TestBed.inject(Router).url).toBe('/');
  });

  async function rateLimited(body: object, headers: Record<string, string>): Promise<string | null | undefined> {
    answerDemo(null, 404);
    await signIn('nora@wardtrack.test', 'guess');
    backend.expectOne('/api/v1/auth/login').flush(body, { status: 429, statusText: 'Too Many Requests', headers });
    await fixture.whenStable();
    return page.querySelector('[role=alert]')?.textContent;
  }

  it('says in minutes how long a locked account must wait (429 with Retry-After)', async () => {
    const message = await rateLimited(
      { statusCode: 429, message: 'Too many failed sign-ins; try again in 900 s' },
      { 'Retry-After': '900' },
    );

    expect(message).toContain('Too many sign-in attempts — try again in 15 min.');
    expect(submitButton().disabled).toBe(false);
  });

  it('says in seconds a wait shorter than a minute', async () => {
    expect(await rateLimited({ statusCode: 429, message: 'Too Many Requests' }, { 'Retry-After': '30' })).toContain(
      'Too many sign-in attempts — try again in 30 s.',
    );
  });

  it('shows the server’s message on 429 without Retry-After', async () => {
    expect(
      await rateLimited({ statusCode: 429, message: 'Account locked after 5 failed sign-ins; try again later' }, {}),
    ).toContain('Account locked after 5 failed sign-ins; try again later');
  });

  it('does not send an empty form', async () => {
    answerDemo(null, 404);

    submitButton().click();
    await fixture.whenStable();

    backend.expectNone('/api/v1/auth/login');
    expect(page.textContent).toContain('Enter your email address.');
    expect(page.textContent).toContain('Enter your password.');
  });

  it('lists the demo accounts when the server offers them, and fills the form from one', async () => {
    answerDemo({ demo: true, accounts: ['nurse@demo.test', 'biomed@demo.test'], password: 'demo-pass' });
    await fixture.whenStable();

    const box = page.querySelector('aside.demo')!;
    expect(box.textContent).toContain('Demo accounts');
    expect(box.textContent).toContain('demo-pass');
    const accounts = [...box.querySelectorAll('li button')].map((button) => button.textContent?.trim());
    expect(accounts).toEqual(['nurse@demo.test', 'biomed@demo.test']);

    box.querySelectorAll<HTMLButtonElement>('li button')[1].click();
    await fixture.whenStable();
    expect(page.querySelector<HTMLInputElement>('#login-email')!.value).toBe('biomed@demo.test');
    expect(page.querySelector<HTMLInputElement>('#login-password')!.value).toBe('demo-pass');
  });
  it('offers single sign-on above the password form when the server has it configured', async () => {
    fixture.componentRef.setInput('returnUrl', '/map/floor-icu');
    answerSso('Hospital account');
    answerDemo(null, 404);
    await fixture.whenStable();

    const link = ssoLink()!;
    expect(link.textContent?.trim()).toBe('Sign in with Hospital account');
    // A full-page navigation: the server redirects to the identity provider.
    expect(link.getAttribute('href')).toBe('/api/v1/auth/oidc/start?returnUrl=%2Fmap%2Ffloor-icu');
    expect(link.compareDocumentPosition(page.querySelector('form')!) & Node.DOCUMENT_POSITION_FOLLOWING).toBeTruthy();
    expect(page.querySelector('label[for=login-password]')).not.toBeNull();
  });

  it('shows no single sign-on button when it is not configured, or the server cannot say', async () => {
    answerDemo(null, 404);
    await fixture.whenStable();
    expect(ssoLink()).toBeNull();

    fixture.destroy();
    fixture = TestBed.createComponent(LoginComponent);
    page = fixture.nativeElement as HTMLElement;
    backend
      .expectOne('/api/v1/auth/oidc/config')
      .flush({ statusCode: 500, message: 'Internal server error' }, { status: 500, statusText: 'Error' });
    answerDemo(null, 404);
    await fixture.whenStable();
    expect(ssoLink()).toBeNull();
  });

  it('does not pass a return link to another site on to single sign-on', async () => {
    fixture.componentRef.setInput('returnUrl', '//evil.example/phish');
    answerSso('Hospital account');
    answerDemo(null, 404);
    await fixture.whenStable();

    expect(ssoLink()!.getAttribute('href')).toBe('/api/v1/auth/oidc/start?returnUrl=%2Fmap');
  });

  it.each([
    ['no_role', "There is no Wardtrack role for you in your organisation's directory."],
    ['account_disabled', 'Your Wardtrack account is disabled.'],
    ['invalid_state', 'That sign-in link has expired or was already used.'],
    ['something_new', 'Single sign-on failed.'],
  ])('says why single sign-on did not let the person in (%s)', async (reason, message) => {
    fixture.componentRef.setInput('ssoError', reason);
    answerSso('Hospital account');
    answerDemo(null, 404);
    await fixture.whenStable();

    expect(page.querySelector('[role=alert]')?.textContent).toContain(message);
    // Both ways in stay open.
    expect(ssoLink()).not.toBeNull();
    expect(submitButton().disabled).toBe(false);
  });
});
