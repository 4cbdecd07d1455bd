import { HttpClient, provideHttpClient, withInterceptors } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { Component } from '@angular/core';
import { TestBed } from '@angular/core/testing';
import { Router, provideRouter } from '@angular/router';
import { MemoryStorage, NURSE_LOGIN } from '../../../testing/fixtures';
import { authInterceptor } from './auth.interceptor';
import { SESSION_STORAGE, SessionStore } from './session.store';

@Component({ template: '' })
class BlankComponent {}

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

  it('on 401 forgets the session and goes to the sign-in screen, remembering the page', async () => {
    session.start(NURSE_LOGIN);
    let failedWith: number | undefined;

    http
      .get('/api/v1/floors/floor-4w/tags')
      .subscribe({ error: (error: { status: number }) => (failedWith = error.status) });
    backend
      .expectOne('/api/v1/floors/floor-4w/tags')
      .flush({ statusCode: 401, message: 'Unauthorized' }, { status: 401, statusText: 'Unauthorized' });
    await new Promise((resolve) => setTimeout(resolve));

    expect(failedWith).toBe(401);
    expect(session.accessToken()).toBeNull();
    expect(storage.length).toBe(0);
    expect(session.endReason()).toBe('expired');
    expect(router.url).toBe('/login?returnUrl=%2Fmap%2Ffloor-4w');
  });

  it('leaves a failed sign-in (401 without a token) to the sign-in screen', async () => {
    http.post('/api/v1/auth/login', { email: 'a@b.c', password: 'wrong' }).subscribe({ error: () => undefined });
    backend
      .expectOne('/api/v1/auth/login')
      .flush({ statusCode: 401, message: 'Unauthorized' }, { status: 401, statusText: 'Unauthorized' });
    await new Promise((resolve) => setTimeout(resolve));

    expect(router.url).toBe('/map/floor-4w');
    expect(session.endReason()).toBeNull();
  });
});
