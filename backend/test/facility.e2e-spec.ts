import type { FloorDetailDto, FloorSummaryDto, TagLocationDto } from '@wardtrack/contracts';
import { SYSTEM_ACTOR } from '../src/auth/principal';
import { FacilityImportService } from '../src/facility/facility-import.service';
import { FloorplanStartupService } from '../src/facility/floorplan-startup.service';
import { findSitePlans, loadSitePlan } from '../src/facility/site-plan';
import { eventually, TestApp } from './harness';

describe('facility', () => {
  let sut: TestApp;
  let nurse: string;

  beforeAll(async () => {
    sut = await TestApp.start();
    nurse = await sut.signIn('nurse');
  });
  afterAll(() => sut.stop());

  it('lists the floors seeded from floorplans/, in building order', async () => {
    const res = await sut.request('GET', '/api/v1/floors', { token: nurse });
    expect(res.status).toBe(200);
    const floors = res.body as FloorSummaryDto[];
    expect(floors.length).toBeGreaterThanOrEqual(3);
    expect(floors.map((f) => f.level)).toEqual([...floors.map((f) => f.level)].sort((a, b) => a - b));
    expect(floors[0]).toMatchObject({ planUrl: `/api/v1/floors/${floors[0].id}/plan`, siteName: expect.any(String) });
    expect(floors[0].widthM).toBeGreaterThan(0);
  });

  it('shows a floor with its zones as polygons in metres inside the floor', async () => {
    const [first] = (await sut.request('GET', '/api/v1/floors', { token: nurse })).body as FloorSummaryDto[];
    const floor = (await sut.request('GET', `/api/v1/floors/${first.id}`, { token: nurse })).body as FloorDetailDto;
    expect(floor.zones.length).toBeGreaterThan(10);
    for (const zone of floor.zones) {
      expect(zone.polygon.length).toBeGreaterThanOrEqual(3);
      for (const [x, y] of [...zone.polygon, zone.centroid]) {
        expect(x).toBeGreaterThanOrEqual(0);
        expect(x).toBeLessThanOrEqual(floor.widthM);
        expect(y).toBeGreaterThanOrEqual(0);
        expect(y).toBeLessThanOrEqual(floor.heightM);
      }
    }
    expect(floor.zones.map((z) => z.kind)).toEqual(expect.arrayContaining(['corridor']));
  });

  it('serves the floor plan drawing to signed-in staff only', async () => {
    const [first] = (await sut.request('GET', '/api/v1/floors', { token: nurse })).body as FloorSummaryDto[];
    const plan = await sut.request('GET', first.planUrl, { token: nurse });
    expect(plan.status).toBe(200);
    expect(plan.headers.get('content-type')).toMatch(/^image\/svg\+xml/);
    expect(plan.text).toMatch(/<svg[^>]+viewBox="0 0 /);
    expect((await sut.request('GET', first.planUrl)).status).toBe(401);
  });

  it('answers 404 for a floor that does not exist and 400 for a malformed id', async () => {
    expect(
      (await sut.request('GET', '/api/v1/floors/00000000-0000-4000-8000-000000000000', { token: nurse })).status,
    ).toBe(404);
    expect((await sut.request('GET', '/api/v1/floors/not-a-uuid', { token: nurse })).status).toBe(400);
  });

  it('re-imports a site in place: nothing duplicated, changes applied, locations kept', async () => {
    const count = async () =>
      (
        await sut.query<{ zones: number; floors: number; devices: number }>(
          `SELECT (SELECT count(*)::int FROM zone) AS zones, (SELECT count(*)::int FROM floor) AS floors,
                (SELECT count(*)::int FROM device) AS devices`,
        )
      )[0];
    const before = await count();
    const { zones } = await sut.someFloor();
    const reader = await sut.registerReader([zones[0].id]);
    await sut.request('POST', '/api/v1/ingest/generic', {
      apiKey: reader.apiKey,
      body: { reads: [{ tagId: 'FAC0001', antenna: 1, rssi: -50, seenAt: new Date().toISOString() }] },
    });
    await eventually(async () =>
      (await sut.request('GET', '/api/v1/tags/FAC0001/location', { token: nurse })).status === 200 ? true : undefined,
    );

    const [dir] = findSitePlans(sut.config.floorplansDir);
    const loaded = loadSitePlan(dir);
    const importer = sut.app.get(FacilityImportService);
    const unchanged = await importer.importSite(SYSTEM_ACTOR, loaded);
    expect(unchanged).toMatchObject({ created: 0, updated: 0, deleted: 0 });

    loaded.plan.buildings[0].floors[0].zones[0].name = 'Renamed for the test';
    const renamed = await importer.importSite(SYSTEM_ACTOR, loaded);
    expect(renamed).toMatchObject({ created: 0, updated: 1, deleted: 0 });
    expect(await count()).toEqual({ ...before, devices: before.devices + 1 });
    const location = (await sut.request('GET', '/api/v1/tags/FAC0001/location', { token: nurse }))
      .body as TagLocationDto;
    expect(location.zoneId).toBe(zones[0].id);
  });

  it('keeps what an admin changed when the server restarts and floorplans/ has not changed', async () => {
    const admin = await sut.signIn('admin');
    const startup = sut.app.get(FloorplanStartupService);
    await startup.importAll(); // the folder as it is (an earlier test imported an edited copy)
    const { zones } = await sut.someFloor();
    const renamed = await sut.request('PATCH', `/api/v1/zones/${zones[1].id}`, {
      token: admin,
      body: { name: 'Renamed by an admin' },
    });
    expect(renamed.status).toBe(200);
    await startup.importAll(); // what every start does
    const [zone] = await sut.query<{ name: string }>(`SELECT name FROM zone WHERE id = $1`, [zones[1].id]);
    expect(zone.name).toBe('Renamed by an admin');
  });
});
