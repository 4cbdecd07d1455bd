import type { FloorDetailDto, Point, WalkingRouteDto } from '@wardtrack/contracts';
import { SYSTEM_ACTOR } from '../src/auth/principal';
import { FacilityImportService } from '../src/facility/facility-import.service';
import { findSitePlans, loadSitePlan } from '../src/facility/site-plan';
import { WalkingService } from '../src/facility/walking.service';
import { TestApp } from './harness';

/** Walking routes on the demo hospital, imported from floorplans/ when the app starts. */
describe('walking routes', () => {
  let sut: TestApp;
  let nurse: string;
  const zoneIds = new Map<string, string>();
  const floorIds = new Map<string, string>();

  beforeAll(async () => {
    sut = await TestApp.start();
    nurse = await sut.signIn('nurse');
    for (const z of await sut.query<{ id: string; code: string }>(`SELECT id, code FROM zone`))
      zoneIds.set(z.code, z.id);
    for (const f of await sut.query<{ id: string; code: string }>(`SELECT id, code FROM floor`))
      floorIds.set(f.code, f.id);
  });
  afterAll(() => sut.stop());

  const zone = (code: string) => zoneIds.get(code)!;
  const route = (fromZone: string, toZone: string) =>
    sut.request('GET', `/api/v1/route?fromZone=${fromZone}&toZone=${toZone}`, { token: nurse });
  const floor = async (code: string) =>
    (await sut.request('GET', `/api/v1/floors/${floorIds.get(code)}`, { token: nurse })).body as FloorDetailDto;
  const key = ([x, y]: Point) => `${x},${y}`;

  it('walks from one ICU bed bay to another through door points, further than the straight line', async () => {
    const res = await route(zone('L1-ICU-BED-01'), zone('L1-ICU-BED-07'));
    expect(res.status).toBe(200);
    const body = res.body as WalkingRouteDto;
    const icu = await floor('L1');
    const centroid = (code: string) => icu.zones.find((z) => z.code === code)!.centroid;
    expect(body.from).toEqual({ zoneId: zone('L1-ICU-BED-01'), floorId: icu.id, point: centroid('L1-ICU-BED-01') });
    expect(body.to.point).toEqual(centroid('L1-ICU-BED-07'));
    expect(body.floorsChanged).toBe(0);
    expect(body.legs).toHaveLength(1);
    expect(body.legs[0].floorId).toBe(icu.id);
    const points = body.legs[0].points;
    expect(points[0]).toEqual(body.from.point);
    expect(points.at(-1)).toEqual(body.to.point);
    const doors = new Set(icu.openings.map((o) => key([o.x, o.y])));
    const between = points.slice(1, -1);
    expect(between.length).toBeGreaterThanOrEqual(2); // out of one bay, into the other
    for (const p of between) expect(doors.has(key(p))).toBe(true);
    const [a, b] = [body.from.point, body.to.point];
    expect(body.distanceM).toBeGreaterThan(Math.hypot(a[0] - b[0], a[1] - b[1]));
  });

  it('changes floors by a lift or the stairs from an ED bay to a 4 West room', async () => {
    const res = await route(zone('L0-ED-BAY-03'), zone('L2-4W-RM-12'));
    expect(res.status).toBe(200);
    const body = res.body as WalkingRouteDto;
    expect(body.floorsChanged).toBe(2);
    expect(body.legs.map((l) => l.floorId)).toEqual([floorIds.get('L0'), floorIds.get('L2')]);
    const [ground, ward] = [await floor('L0'), await floor('L2')];
    // The ground-floor leg ends at the door of a lift or staircase; the ward leg starts at the same link's door.
    const shaftOf = (f: FloorDetailDto, p: Point) => {
      const o = f.openings.find((d) => d.x === p[0] && d.y === p[1])!;
      return f.zones.find((z) => o.zoneIds.includes(z.id) && (z.kind === 'elevator' || z.kind === 'stairs'))!;
    };
    const down = shaftOf(ground, body.legs[0].points.at(-1)!);
    const up = shaftOf(ward, body.legs[1].points[0]);
    expect(down.kind).toBe(up.kind);
    expect(down.code.slice(3)).toBe(up.code.slice(3)); // L0-LIFT-A and L2-LIFT-A
    expect(body.distanceM).toBeGreaterThan(30);
  });

  it('gives distances to many zones in one call, as the routes do', async () => {
    const walking = sut.app.get(WalkingService);
    const targets = ['L1-ICU-BED-07', 'L1-ICU-BED-01', 'L2-4W-RM-12', 'L0-ED-BAY-03'].map(zone);
    const unknown = '00000000-0000-4000-8000-000000000000';
    const distances = await walking.distances(zone('L1-ICU-BED-01'), [...targets, unknown]);
    expect(distances.get(zone('L1-ICU-BED-01'))).toBe(0);
    expect(distances.get(unknown)).toBeNull();
    for (const target of targets.slice(2)) {
      const body = (await route(zone('L1-ICU-BED-01'), target)).body as WalkingRouteDto;
      expect(distances.get(target)).toBe(body.distanceM);
    }
  });

  it('shows the readers, gateways and door points of a floor', async () => {
    const icu = await floor('L1');
    const plan = loadSitePlan(findSitePlans(sut.config.floorplansDir)[0]).plan;
    const planFloor = plan.buildings[0].floors.find((f) => f.code === 'L1')!;
    expect(icu.openings).toHaveLength(planFloor.openings!.length);
    const zonesHere = new Set(icu.zones.map((z) => z.id));
    for (const o of icu.openings) {
      expect(['door', 'opening']).toContain(o.kind);
      expect(o.zoneIds.every((id) => zonesHere.has(id))).toBe(true);
      expect(o.x).toBeGreaterThanOrEqual(0);
      expect(o.x).toBeLessThanOrEqual(icu.widthM);
    }
    const onFloor = (plan.devices ?? []).filter((d) => d.floor === 'L1');
    expect(icu.devices.map((d) => d.code).sort()).toEqual(onFloor.map((d) => d.code).sort());
    const reader = icu.devices.find((d) => d.kind === 'rfid_reader' && d.antennas.length > 0)!;
    const planned = onFloor.find((d) => d.code === reader.code)!;
    expect(reader).toMatchObject({ x: planned.at[0], y: planned.at[1], lastSeenAt: null });
    expect(reader.antennas).toEqual(
      planned.antennas!.map((a) => ({ port: a.port, zoneId: zone(a.zone), side: a.side ?? null })),
    );
    expect(icu.devices.find((d) => d.kind === 'ble_gateway')?.antennas).toEqual([]);
  });

  it('refuses malformed zone ids (400 naming the parameter), unknown zones (404) and anonymous callers (401)', async () => {
    const bad = await route('not-a-uuid', zone('L1-ICU-BED-01'));
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body)).toMatch(/fromZone/);
    const missing = await sut.request('GET', `/api/v1/route?fromZone=${zone('L1-ICU-BED-01')}`, { token: nurse });
    expect(missing.status).toBe(400);
    expect(JSON.stringify(missing.body)).toMatch(/toZone/);
    expect((await route(zone('L1-ICU-BED-01'), '00000000-0000-4000-8000-000000000000')).status).toBe(404);
    const anonymous = await sut.request(
      'GET',
      `/api/v1/route?fromZone=${zone('L1-ICU-BED-01')}&toZone=${zone('L1-ICU-BED-07')}`,
    );
    expect(anonymous.status).toBe(401);
  });

  it('imports openings and links once, audits changes to them and routes on the new graph at once', async () => {
    const counts = async () =>
      (
        await sut.query<{ openings: number; links: number; stops: number }>(
          `SELECT (SELECT count(*)::int FROM opening) AS openings, (SELECT count(*)::int FROM vertical_link) AS links,
                  (SELECT count(*)::int FROM vertical_link_stop) AS stops`,
        )
      )[0];
    const [dir] = findSitePlans(sut.config.floorplansDir);
    const original = loadSitePlan(dir);
    const planOpenings = original.plan.buildings.flatMap((b) => b.floors).flatMap((f) => f.openings ?? []);
    expect(await counts()).toEqual({ openings: planOpenings.length, links: 4, stops: 12 });
    const importer = sut.app.get(FacilityImportService);
    expect(await importer.importSite(SYSTEM_ACTOR, original)).toMatchObject({ created: 0, updated: 0, deleted: 0 });
    expect(await importer.importSite(SYSTEM_ACTOR, original)).toMatchObject({ created: 0, updated: 0, deleted: 0 });

    // Wall up ICU bed 1, make another opening a door, and take lift A out of service on L1.
    const changed = loadSitePlan(dir);
    const icu = changed.plan.buildings[0].floors.find((f) => f.code === 'L1')!;
    icu.openings = icu.openings!.filter((o) => !o.between.includes('L1-ICU-BED-01'));
    const bay2 = icu.openings.find((o) => o.between.includes('L1-ICU-BED-02'))!;
    bay2.kind = 'door';
    const liftA = changed.plan.verticalLinks!.find((l) => l.code === 'LIFT-A')!;
    liftA.zones = liftA.zones.filter((z) => z !== 'L1-LIFT-A');
    const before = Number((await sut.query<{ n: string }>(`SELECT count(*) AS n FROM audit_log`))[0].n);
    expect(await importer.importSite(SYSTEM_ACTOR, changed)).toMatchObject({ created: 0, updated: 2, deleted: 1 });
    const entries = await sut.query<{ action: string; subject_type: string }>(
      `SELECT action, subject_type FROM audit_log ORDER BY occurred_at, id OFFSET $1`,
      [before],
    );
    expect(entries.map((e) => `${e.action} ${e.subject_type}`).sort()).toEqual([
      'delete opening',
      'update opening',
      'update vertical_link',
    ]);
    expect((await route(zone('L1-ICU-BED-01'), zone('L1-ICU-BED-07'))).status).toBe(422);

    expect(await importer.importSite(SYSTEM_ACTOR, original)).toMatchObject({ created: 1, updated: 2, deleted: 0 });
    expect(await counts()).toEqual({ openings: planOpenings.length, links: 4, stops: 12 });
    expect((await route(zone('L1-ICU-BED-01'), zone('L1-ICU-BED-07'))).status).toBe(200);
  });
});
