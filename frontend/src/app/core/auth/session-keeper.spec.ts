import { provideHttpClient, withInterceptors } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { Component } from '@angular/core';
import { TestBed } from '@angular/core/testing';
import { Router, provideRouter } from '@angular/router';
import { MemoryStorage, NURSE_LOGIN, nurseRefreshed, refreshTokenNo } from '../../../testing/fixtures';
import { authInterceptor } from './auth.interceptor';
import { SessionKeeper } from './session-keeper';
import { SESSION_STORAGE, SessionStore } from './session.store';

@Component({ template: '' })
class BlankComponent {}

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const REFRESH_URL = '/api/v1/auth/refresh';
const LOGOUT_URL = '/api/v1/auth/logout';

describe(SessionKeeper.name, () => {
  let sut: SessionKeeper;
  let session: SessionStore;
  let backend: HttpTestingController;
  let router: Router;
  let storage: MemoryStorage;

  beforeEach(async () => {
    jest.useFakeTimers({ now: Date.parse('2026-11-25T08:00:00.000Z') });
    storage = new MemoryStorage();
    TestBed.configureTestingModule({
      providers: [
        provideHttpClient(withInterceptors([authInterceptor])),
        provideHttpClientTesting(),
        provideRouter([
          { path: 'login', component: BlankComponent },
          { path: 'map/:floorId', component: BlankComponent },
        ]),
        { provide: SESSION_STORAGE, useValue: storage },
      ],
    });
    sut = TestBed.inject(SessionKeeper);
    session = TestBed.inject(SessionStore);
    backend = TestBed.inject(HttpTestingController);
    router = TestBed.inject(Router);
    await router.navigateByUrl('/map/floor-4w');
  });

  afterEach(() => {
    backend.verify();
    jest.useRealTimers();
  });

  /** Moves the clock on, letting timers, promises and the router run. */
  const wait = (ms: number) => jest.advanceTimersByTimeAsync(ms);

  function expectRefreshWith(refreshToken: string) {
    const request = backend.expectOne(REFRESH_URL);
    expect(request.request.body).toEqual({ refreshToken });
    return request;
  }

  it('refreshes a minute before the access token expires, and again before each new token expires', async () => {
    sut.begin(NURSE_LOGIN);

    await wait(14 * MINUTE - SECOND);
    backend.expectNone(REFRESH_URL);
    await wait(SECOND);
    expectRefreshWith(refreshTokenNo(1)).flush(nurseRefreshed(1));
    await wait(0);
    expect(session.accessToken()).toBe('token-nurse-1');

    await wait(14 * MINUTE - SECOND);
    backend.expectNone(REFRESH_URL);
    await wait(SECOND);
    expectRefreshWith(refreshTokenNo(2)).flush(nurseRefreshed(2));
    await wait(0);
    expect(session.accessToken()).toBe('token-nurse-2');
  });

  it('picks up a session restored after a reload, refreshing at once when its access token has expired', async () => {
    session.start(NURSE_LOGIN, Date.now() - 20 * MINUTE);

    sut.resume();
    await wait(0);

    expectRefreshWith(refreshTokenNo(1)).flush(nurseRefreshed(1));
    await wait(0);
    expect(session.accessToken()).toBe('token-nurse-1');
  });

  it('tries again shortly, with the same token, when the refresh is lost to the network', async () => {
    sut.begin(NURSE_LOGIN);
    await wait(14 * MINUTE);

    expectRefreshWith(refreshTokenNo(1)).error(new ProgressEvent('error'));
    await wait(10 * SECOND);
    backend.expectNone(REFRESH_URL);
    await wait(5 * SECOND);
    expectRefreshWith(refreshTokenNo(1)).flush(nurseRefreshed(1));
    await wait(0);

    expect(session.accessToken()).toBe('token-nurse-1');
    expect(session.endReason()).toBeNull();
  });

  it('ends the session and asks for sign-in when the refresh is refused', async () => {
    sut.begin(NURSE_LOGIN);
    await wait(14 * MINUTE);

    expectRefreshWith(refreshTokenNo(1)).flush(
      { statusCode: 401, message: 'Session expired or ended' },
      { status: 401, statusText: 'Unauthorized' },
    );
    await wait(0);

    expect(session.isActive()).toBe(false);
    expect(session.endReason()).toBe('expired');
    expect(router.url).toBe('/login?returnUrl=%2Fmap%2Ffloor-4w');
    await wait(30 * MINUTE);
    backend.expectNone(REFRESH_URL);
  });

  it('signs out on the server, forgets the session and stops refreshing', async () => {
    sut.begin(NURSE_LOGIN);

    const signedOut = sut.signOut();
    await wait(0);
    const logout = backend.expectOne(LOGOUT_URL);
    expect(logout.request.method).toBe('POST');
    expect(logout.request.headers.get('Authorization')).toBe('Bearer token-nurse');
    logout.flush(null, { status: 204, statusText: 'No Content' });
    await signedOut;

    expect(session.isActive()).toBe(false);
    expect(storage.length).toBe(0);
    expect(session.endReason()).toBe('signed_out');
    expect(router.url).toBe('/login');
    await wait(0);
    // No refresh timer left behind.
    expect(jest.getTimerCount()).toBe(0);
    await wait(60 * MINUTE);
    backend.expectNone(REFRESH_URL);
  });

  it.each([
    [
      'the server fails',
      (logout: ReturnType<HttpTestingController['expectOne']>) =>
        logout.flush(null, { status: 500, statusText: 'Server Error' }),
    ],
    [
      'the network is down',
      (logout: ReturnType<HttpTestingController['expectOne']>) => logout.error(new ProgressEvent('error')),
    ],
  ])('signs out locally even when %s', async (_case, answer) => {
    sut.begin(NURSE_LOGIN);

    const signedOut = sut.signOut();
    await wait(0);
    answer(backend.expectOne(LOGOUT_URL));
    await signedOut;

    expect(session.isActive()).toBe(false);
    expect(storage.length).toBe(0);
    expect(session.endReason()).toBe('signed_out');
    expect(router.url).toBe('/login');
  });

  it('signs out locally when the server does not answer within 5 s', async () => {
    sut.begin(NURSE_LOGIN);

    const signedOut = sut.signOut();
    await wait(0);
    const logout = backend.expectOne(LOGOUT_URL);
    await wait(5 * SECOND);
    await signedOut;

    expect(logout.cancelled).toBe(true);
    expect(session.isActive()).toBe(false);
    expect(router.url).toBe('/login');
  });

  it('on sign-out during a refresh, waits for it and ends the session with the new token', async () => {
    sut.begin(NURSE_LOGIN);
    await wait(14 * MINUTE);
    const refresh = expectRefreshWith(refreshTokenNo(1));

    const signedOut = sut.signOut();
    await wait(0);
    backend.expectNone(LOGOUT_URL);
    refresh.flush(nurseRefreshed(1));
    await wait(0);
    const logout = backend.expectOne(LOGOUT_URL);
    expect(logout.request.headers.get('Authorization')).toBe('Bearer token-nurse-1');
    logout.flush(null, { status: 204, statusText: 'No Content' });
    await signedOut;

    expect(session.isActive()).toBe(false);
    await wait(60 * MINUTE);
    backend.expectNone(REFRESH_URL);
  });

  it('on sign-out with an expired access token, refreshes once so the server can still end the session', async () => {
    session.start(NURSE_LOGIN, Date.now() - 20 * MINUTE);

    const signedOut = sut.signOut();
    await wait(0);
    backend.expectOne(LOGOUT_URL).flush({ statusCode: 401 }, { status: 401, statusText: 'Unauthorized' });
    await wait(0);
    expectRefreshWith(refreshTokenNo(1)).flush(nurseRefreshed(1));
    await wait(0);
    const logout = backend.expectOne(LOGOUT_URL);
    expect(logout.request.headers.get('Authorization')).toBe('Bearer token-nurse-1');
    logout.flush(null, { status: 204, statusText: 'No Content' });
    await signedOut;

    expect(session.endReason()).toBe('signed_out');
    expect(router.url).toBe('/login');
  });
});
