import { TestBed } from '@angular/core/testing';
import { MemoryStorage, NURSE_LOGIN, refreshTokenNo } from '../../../testing/fixtures';
import { SESSION_STORAGE, SessionStore } from './session.store';

const SIGNED_IN_AT = Date.parse('2026-11-25T08:00:00.000Z');
const MINUTE = 60_000;

describe(SessionStore.name, () => {
  let storage: MemoryStorage;

  beforeEach(() => {
    storage = new MemoryStorage();
    TestBed.configureTestingModule({ providers: [{ provide: SESSION_STORAGE, useValue: storage }] });
  });

  /** A new store over the same storage, as after reloading the page. */
  function reload(): SessionStore {
    TestBed.resetTestingModule();
    TestBed.configureTestingModule({ providers: [{ provide: SESSION_STORAGE, useValue: storage }] });
    return TestBed.inject(SessionStore);
  }

  it('keeps the access token, the refresh token and when each runs out', () => {
    const sut = TestBed.inject(SessionStore);

    sut.start(NURSE_LOGIN, SIGNED_IN_AT);

    expect(sut.accessToken()).toBe('token-nurse');
    expect(sut.accessExpiresAt()).toBe(SIGNED_IN_AT + 15 * MINUTE);
    expect(sut.refreshToken()).toBe(refreshTokenNo(1));
    expect(sut.refreshExpiresAt()).toBe(SIGNED_IN_AT + 12 * 60 * MINUTE);
    expect(JSON.parse(storage.getItem('wardtrack.session')!)).toEqual({
      accessToken: 'token-nurse',
      expiresAt: SIGNED_IN_AT + 15 * MINUTE,
      refreshToken: refreshTokenNo(1),
      refreshExpiresAt: SIGNED_IN_AT + 12 * 60 * MINUTE,
      user: NURSE_LOGIN.user,
    });
  });

  it('brings the whole session back after a reload', () => {
    TestBed.inject(SessionStore).start(NURSE_LOGIN);

    const sut = reload();

    expect(sut.user()?.displayName).toBe('Nora Nurse');
    expect(sut.accessToken()).toBe('token-nurse');
    expect(sut.refreshToken()).toBe(refreshTokenNo(1));
    expect(sut.isActive()).toBe(true);
  });

  it('stays active after the access token expires, until the session itself ends', () => {
    const sut = TestBed.inject(SessionStore);
    sut.start(NURSE_LOGIN, SIGNED_IN_AT);

    expect(sut.isActive(SIGNED_IN_AT + 20 * MINUTE)).toBe(true);
    expect(sut.isActive(SIGNED_IN_AT + 12 * 60 * MINUTE - 1)).toBe(true);
    expect(sut.isActive(SIGNED_IN_AT + 12 * 60 * MINUTE)).toBe(false);
  });

  it('keeps the tokens when only the user’s details change', () => {
    const sut = TestBed.inject(SessionStore);
    sut.start(NURSE_LOGIN);

    sut.updateUser({ ...NURSE_LOGIN.user, displayName: 'Nora N. Nurse' });

    expect(reload().user()?.displayName).toBe('Nora N. Nurse');
    expect(TestBed.inject(SessionStore).refreshToken()).toBe(refreshTokenNo(1));
  });

  it('forgets a session that ended while the page was closed', () => {
    TestBed.inject(SessionStore).start(NURSE_LOGIN, Date.now() - 13 * 60 * MINUTE);

    const sut = reload();

    expect(sut.isActive()).toBe(false);
    expect(storage.length).toBe(0);
  });

  it('forgets a stored session without a refresh token (it could not be kept alive)', () => {
    // As stored before refresh tokens existed.
    storage.setItem(
      'wardtrack.session',
      JSON.stringify({ accessToken: 'token-old', expiresAt: Date.now() + 30 * MINUTE, user: NURSE_LOGIN.user }),
    );

    const sut = reload();

    expect(sut.accessToken()).toBeNull();
    expect(storage.length).toBe(0);
  });

  it('on end forgets every token and remembers why', () => {
    const sut = TestBed.inject(SessionStore);
    sut.start(NURSE_LOGIN);

    sut.end('signed_out');

    expect(sut.accessToken()).toBeNull();
    expect(sut.refreshToken()).toBeNull();
    expect(sut.isActive()).toBe(false);
    expect(sut.endReason()).toBe('signed_out');
    expect(storage.length).toBe(0);
  });
});
