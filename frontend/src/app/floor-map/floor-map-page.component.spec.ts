import { provideHttpClient, withInterceptors } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { Component } from '@angular/core';
import { TestBed } from '@angular/core/testing';
import { Router, provideRouter, withComponentInputBinding } from '@angular/router';
import { RouterTestingHarness } from '@angular/router/testing';
import { ICU_DETAIL, ICU_FLOOR, MemoryStorage, NURSE_LOGIN, WARD_4_WEST, tagAt } from '../../testing/fixtures';
import { authInterceptor } from '../core/auth/auth.interceptor';
import { SESSION_STORAGE, SessionStore } from '../core/auth/session.store';
import { floorMapRoutes } from './floor-map.routes';

@Component({ template: 'sign-in screen' })
class LoginStubComponent {}

describe('Floor map page', () => {
  let harness: RouterTestingHarness;
  let backend: HttpTestingController;
  let page: HTMLElement;

  beforeEach(async () => {
    localStorage.clear();
    jest.spyOn(HTMLElement.prototype, 'clientWidth', 'get').mockReturnValue(900);
    jest.spyOn(HTMLElement.prototype, 'clientHeight', 'get').mockReturnValue(600);
    TestBed.configureTestingModule({
      providers: [
        provideHttpClient(withInterceptors([authInterceptor])),
        provideHttpClientTesting(),
        provideRouter(
          [
            { path: 'login', component: LoginStubComponent },
            { path: 'map', children: floorMapRoutes },
          ],
          withComponentInputBinding(),
        ),
        { provide: SESSION_STORAGE, useValue: new MemoryStorage() },
      ],
    });
    TestBed.inject(SessionStore).start(NURSE_LOGIN);
    backend = TestBed.inject(HttpTestingController);
    harness = await RouterTestingHarness.create();
  });

  afterEach(() => {
    // Whatever poll is still open when a test ends.
    backend.match(() => true);
  });

  async function settle(): Promise<void> {
    await new Promise((resolve) => setTimeout(resolve));
    await harness.fixture.whenStable();
  }

  /** Opens /map and answers the floor list, the user and the chosen floor with its plan and tags. */
  async function openMap(
    tags = [
      tagAt('T1'),
      tagAt('T2', {
        x: 45,
        y: 30,
        zoneId: 'zone-store',
        zoneName: 'Equipment store',
        asset: { id: 'w', name: 'Wheelchair 7', assetType: 'Wheelchair', status: 'in_use' },
      }),
    ],
  ): Promise<void> {
    const navigation = harness.navigateByUrl('/map');
    await settle();
    backend.expectOne('/api/v1/floors').flush([ICU_FLOOR, WARD_4_WEST]);
    backend.expectOne('/api/v1/auth/me').flush(NURSE_LOGIN.user);
    await navigation;
    await settle();
    page = harness.routeNativeElement!;
    const floorId = TestBed.inject(Router).url.split('/')[2];
    const floor = floorId === WARD_4_WEST.id ? WARD_4_WEST : ICU_DETAIL;
    backend.expectOne(`/api/v1/floors/${floorId}`).flush(floor);
    backend.expectOne(floor.planUrl).flush(new Blob(['<svg xmlns="http://www.w3.org/2000/svg"/>']));
    await settle();
    backend.expectOne(`/api/v1/floors/${floorId}/tags`).flush(floorId === WARD_4_WEST.id ? tags : []);
    await settle();
  }

  it('shows Wardtrack, the signed-in user and every floor as "<building> · <floor>"', async () => {
    await openMap();

    expect(page.querySelector('.brand')?.textContent).toContain('Wardtrack');
    expect(page.querySelector('.user')?.textContent).toContain('Nora Nurse');
    const options = [...page.querySelectorAll<HTMLOptionElement>('#floor-select option')];
    expect(options.map((option) => option.textContent?.trim())).toEqual([
      'Main Building · ICU',
      'Main Building · 4 West',
    ]);
  });

  it('opens the first floor on /map, and the last floor viewed next time', async () => {
    await openMap();
    expect(TestBed.inject(Router).url).toBe(`/map/${ICU_FLOOR.id}`);

    localStorage.setItem('wardtrack.lastFloorId', WARD_4_WEST.id);
    await harness.navigateByUrl('/login');
    await openMap();
    expect(TestBed.inject(Router).url).toBe(`/map/${WARD_4_WEST.id}`);
    expect(page.querySelector<HTMLSelectElement>('#floor-select')?.selectedOptions[0].textContent).toContain('4 West');
  });

  it('switches floor from the selector', async () => {
    await openMap();

    const select = page.querySelector<HTMLSelectElement>('#floor-select')!;
    select.value = WARD_4_WEST.id;
    select.dispatchEvent(new Event('change'));
    await settle();

    expect(TestBed.inject(Router).url).toBe(`/map/${WARD_4_WEST.id}`);
    backend.expectOne(`/api/v1/floors/${WARD_4_WEST.id}`).flush(WARD_4_WEST);
  });

  it('lists the floor’s tags by zone; the filter narrows the list and the map', async () => {
    localStorage.setItem('wardtrack.lastFloorId', WARD_4_WEST.id);
    await openMap();

    const zoneNames = () => [...page.querySelectorAll('.zone h3 span:first-child')].map((el) => el.textContent?.trim());
    expect(zoneNames()).toEqual(['Equipment store', 'Room 412']);
    expect(page.querySelector('.live')?.textContent).toContain('Updated');

    const filter = page.querySelector<HTMLInputElement>('#tag-filter')!;
    filter.value = 'infusion pump';
    filter.dispatchEvent(new Event('input'));
    await settle();

    expect(zoneNames()).toEqual(['Room 412']);
    expect(page.querySelector('.summary')?.textContent).toContain('1 of 2 tags match');
    expect(page.querySelector('.wt-tag-marker[data-tag-id="T2"]')?.getAttribute('fill-opacity')).toBe('0.2');
  });

  it('opens the tag’s popup on the map when its row is clicked', async () => {
    localStorage.setItem('wardtrack.lastFloorId', WARD_4_WEST.id);
    await openMap();

    page.querySelector<HTMLButtonElement>('button.row[data-tag-id="T2"]')!.click();
    await settle();

    expect(page.querySelector('.leaflet-popup')?.textContent).toContain('Wheelchair 7');
  });

  function signOutButton(): HTMLButtonElement {
    return [...page.querySelectorAll<HTMLButtonElement>('button')].find((button) =>
      button.textContent?.trim().startsWith('Sign'),
    )!;
  }

  it('signs out on the server, then shows the sign-in screen', async () => {
    await openMap();

    signOutButton().click();
    await settle();
    expect(signOutButton().textContent?.trim()).toBe('Signing out…');
    expect(signOutButton().disabled).toBe(true);
    const logout = backend.expectOne('/api/v1/auth/logout');
    expect(logout.request.method).toBe('POST');
    expect(logout.request.headers.get('Authorization')).toBe('Bearer token-nurse');
    logout.flush(null, { status: 204, statusText: 'No Content' });
    await settle();

    expect(TestBed.inject(SessionStore).isActive()).toBe(false);
    expect(TestBed.inject(SessionStore).endReason()).toBe('signed_out');
    expect(TestBed.inject(Router).url).toBe('/login');
  });

  it('signs out locally even when the server cannot be reached', async () => {
    await openMap();

    signOutButton().click();
    await settle();
    backend.expectOne('/api/v1/auth/logout').error(new ProgressEvent('error'));
    await settle();

    expect(TestBed.inject(SessionStore).isActive()).toBe(false);
    expect(TestBed.inject(Router).url).toBe('/login');
  });
});
