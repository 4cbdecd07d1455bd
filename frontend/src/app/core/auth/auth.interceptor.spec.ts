import { HttpClient, provideHttpClient, withInterceptors } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { Component } from '@angular/core';
import { TestBed } from '@angular/core/testing';
import { Router, provideRouter } from '@angular/router';
import { MemoryStorage, NURSE_LOGIN, nurseRefreshed, refreshTokenNo } from '../../../testing/fixtures';
import { authInterceptor } from './auth.interceptor';
import { SESSION_STORAGE, SessionStore } from './session.store';

@Component({ template: '' })
class BlankComponent {}

const UNAUTHORIZED = { status: 401, statusText: 'Unauthorized' };
const REFRESH_URL = '/api/v1/auth/refresh';

describe('authInterceptor', () => {
  let http: HttpClient;
  let backend: HttpTestingController;
  let session: SessionStore;
  let router: Router;
  let storage: MemoryStorage;

  beforeEach(async () => {
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
    http = TestBed.inject(HttpClient);
    backend = TestBed.inject(HttpTestingController);
    session = TestBed.inject(SessionStore);
    router = TestBed.inject(Router);
    await router.navigateByUrl('/map/floor-4w');
  });

  afterEach(() => backend.verify());

  /** Lets promise callbacks and the router run. */
  const settle = () => new Promise((resolve) => setTimeout(resolve));

  /** Fetches the URL, recording what the caller ends up with. */
  function fetch(url: string): { body?: unknown; status?: number } {
    const outcome: { body?: unknown; status?: number } = {};
    http.get(url).subscribe({
      next: (body) => (outcome.body = body),
      error: (error: { status: number }) => (outcome.status = error.status),
    });
    return outcome;
  }

  function refuse(url: string, token: string): void {
    const request = backend.expectOne(url);
    expect(request.request.headers.get('Authorization')).toBe(`Bearer ${token}`);
    request.flush({ statusCode: 401, message: 'Unauthorized' }, UNAUTHORIZED);
  }

  it('sends the bearer token with API requests once signed in', () => {
    session.start(NURSE_LOGIN);

    http.get('/api/v1/floors').subscribe();

    expect(backend.expectOne('/api/v1/floors').request.headers.get('Authorization')).toBe('Bearer token-nurse');
  });

  it('sends no token before sign-in', () => {
    http.get('/api/v1/auth/demo').subscribe();

    expect(backend.expectOne('/api/v1/auth/demo').request.headers.has('Authorization')).toBe(false);
  });

  it('never sends the token to another site', () => {
    session.start(NURSE_LOGIN);

    http.get('https://example.org/api/v1/floors').subscribe();

    expect(backend.expectOne('https://example.org/api/v1/floors').request.headers.has('Authorization')).toBe(false);
  });

  it('on 401 refreshes the tokens once and sends the request again with the new access token', async () => {
    session.start(NURSE_LOGIN);
    const floors = fetch('/api/v1/floors');

    refuse('/api/v1/floors', 'token-nurse');
    await settle();
    const refresh = backend.expectOne(REFRESH_URL);
    expect(refresh.request.method).toBe('POST');
    expect(refresh.request.body).toEqual({ refreshToken: refreshTokenNo(1) });
    expect(refresh.request.headers.has('Authorization')).toBe(false);
    refresh.flush(nurseRefreshed(1));
    await settle();
    const retry = backend.expectOne('/api/v1/floors');
    expect(retry.request.headers.get('Authorization')).toBe('Bearer token-nurse-1');
    retry.flush(['floor-4w']);

    expect(floors).toEqual({ body: ['floor-4w'] });
    expect(session.accessToken()).toBe('token-nurse-1');
    expect(session.refreshToken()).toBe(refreshTokenNo(2));
    expect(router.url).toBe('/map/floor-4w');
  });

  it('makes requests refused at the same time share ONE refresh', async () => {
    session.start(NURSE_LOGIN);
    const tags = fetch('/api/v1/floors/floor-4w/tags');
    const floor = fetch('/api/v1/floors/floor-4w');

    refuse('/api/v1/floors/floor-4w/tags', 'token-nurse');
    refuse('/api/v1/floors/floor-4w', 'token-nurse');
    await settle();
    const refreshes = backend.match(REFRESH_URL);
    expect(refreshes).toHaveLength(1);
    refreshes[0].flush(nurseRefreshed(1));
    await settle();
    for (const url of ['/api/v1/floors/floor-4w/tags', '/api/v1/floors/floor-4w']) {
      const retry = backend.expectOne(url);
      expect(retry.request.headers.get('Authorization')).toBe('Bearer token-nurse-1');
      retry.flush({ url });
    }

    expect(tags).toEqual({ body: { url: '/api/v1/floors/floor-4w/tags' } });
    expect(floor).toEqual({ body: { url: '/api/v1/floors/floor-4w' } });
  });

  it('retries a request refused after the refresh already finished with the new token, without refreshing again', async () => {
    session.start(NURSE_LOGIN);
    const first = fetch('/api/v1/floors');
    const late = fetch('/api/v1/floors/floor-4w/tags');

    refuse('/api/v1/floors', 'token-nurse');
    await settle();
    backend.expectOne(REFRESH_URL).flush(nurseRefreshed(1));
    await settle();
    backend.expectOne('/api/v1/floors').flush([]);
    refuse('/api/v1/floors/floor-4w/tags', 'token-nurse');
    await settle();
    backend.expectNone(REFRESH_URL);
    const retry = backend.expectOne('/api/v1/floors/floor-4w/tags');
    expect(retry.request.headers.get('Authorization')).toBe('Bearer token-nurse-1');
    retry.flush([]);

    expect(first).toEqual({ body: [] });
    expect(late).toEqual({ body: [] });
  });

  it('when the refresh is refused, ends the session, goes to sign-in remembering the page, and does not retry', async () => {
    session.start(NURSE_LOGIN);
    const tags = fetch('/api/v1/floors/floor-4w/tags');

    refuse('/api/v1/floors/floor-4w/tags', 'token-nurse');
    await settle();
    backend
      .expectOne(REFRESH_URL)
      .flush({ statusCode: 401, message: 'Session expired or ended' }, { status: 401, statusText: 'Unauthorized' });
    await settle();

    backend.expectNone('/api/v1/floors/floor-4w/tags');
    backend.expectNone(REFRESH_URL);
    expect(tags).toEqual({ status: 401 });
    expect(session.accessToken()).toBeNull();
    expect(storage.length).toBe(0);
    expect(session.endReason()).toBe('expired');
    expect(router.url).toBe('/login?returnUrl=%2Fmap%2Ffloor-4w');
  });

  it('ends the session when the request is refused even with the new token', async () => {
    session.start(NURSE_LOGIN);
    const floors = fetch('/api/v1/floors');

    refuse('/api/v1/floors', 'token-nurse');
    await settle();
    backend.expectOne(REFRESH_URL).flush(nurseRefreshed(1));
    await settle();
    refuse('/api/v1/floors', 'token-nurse-1');
    await settle();

    backend.expectNone(REFRESH_URL);
    expect(floors).toEqual({ status: 401 });
    expect(session.endReason()).toBe('expired');
    expect(router.url).toBe('/login?returnUrl=%2Fmap%2Ffloor-4w');
  });

  it('keeps the session when the refresh is lost to the network', async () => {
    session.start(NURSE_LOGIN);
    const floors = fetch('/api/v1/floors');

    refuse('/api/v1/floors', 'token-nurse');
    await settle();
    backend.expectOne(REFRESH_URL).error(new ProgressEvent('error'));
    await settle();

    expect(floors).toEqual({ status: 401 });
    expect(session.refreshToken()).toBe(refreshTokenNo(1));
    expect(session.endReason()).toBeNull();
    expect(router.url).toBe('/map/floor-4w');
  });

  it('leaves a failed sign-in (401 without a token) to the sign-in screen', async () => {
    http.post('/api/v1/auth/login', { email: 'a@b.c', password: 'wrong' }).subscribe({ error: () => undefined });
    backend
      .expectOne('/api/v1/auth/login')
      .flush({ statusCode: 401, message: 'Unauthorized' }, { status: 401, statusText: 'Unauthorized' });
    await settle();

    backend.expectNone(REFRESH_URL);
    expect(router.url).toBe('/map/floor-4w');
    expect(session.endReason()).toBeNull();
  });
});
