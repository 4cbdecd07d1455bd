import { createHash } from 'node:crypto';
import { crc32, deflateSync } from 'node:zlib';
import type { FloorDetailDto, ZoneDto } from '@wardtrack/contracts';
import { TestApp } from './harness';

interface AuditEntry {
  action: string;
  subjectType: string;
  subjectId: string;
  before: Record<string, unknown> | null;
  after: Record<string, unknown> | null;
}

function pngChunk(type: string, data: Buffer): Buffer {
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

/** A real grey PNG. */
function png(width: number, height: number): Buffer {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 0, 0, 0, 0], 8);
  const rows = Buffer.alloc((width + 1) * height, 0xc0);
  for (let y = 0; y < height; y++) rows[y * (width + 1)] = 0;
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', header),
    pngChunk('IDAT', deflateSync(rows)),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

const rect = (x: number, y: number, w: number, h: number): [number, number][] => [
  [x, y],
  [x + w, y],
  [x + w, y + h],
  [x, y + h],
];

describe('facility admin', () => {
  let sut: TestApp;
  let admin: string;
  let nurse: string;
  let siteId: string;
  let buildingId: string;
  let floor: FloorDetailDto;
  const zones = new Map<string, ZoneDto>();

  /** `PUT /floors/{id}/plan` with one file in the form (the harness only sends JSON). */
  const upload = async (floorId: string, bytes: Buffer | string, type: string, token = admin, field = 'plan') => {
    const form = new FormData();
    form.append(field, new Blob([bytes], { type }), type === 'image/png' ? 'plan.png' : 'plan.svg');
    const res = await fetch(`${sut.baseUrl}/api/v1/floors/${floorId}/plan`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${token}` },
      body: form,
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
  const auditOf = async (subject: string) =>
    (await sut.request('GET', `/api/v1/audit?subject=${subject}`, { token: admin })).body as AuditEntry[];
  const createZone = (code: string, polygon: [number, number][], kind = 'room') =>
    sut.request('POST', `/api/v1/floors/${floor.id}/zones`, {
      token: admin,
      body: { code, name: `Zone ${code}`, kind, polygon },
    });

  beforeAll(async () => {
    sut = await TestApp.start();
    admin = await sut.signIn('admin');
    nurse = await sut.signIn('nurse');
  });
  afterAll(() => sut.stop());

  it('creates a site, checking its time zone and code, and shows it to any staff', async () => {
    const bad = await sut.request('POST', '/api/v1/sites', {
      token: admin,
      body: { code: 'st-test', name: 'St Test', timeZone: 'Mars/Olympus_Mons' },
    });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body)).toContain('timeZone must be an IANA time zone');

    const created = await sut.request('POST', '/api/v1/sites', {
      token: admin,
      body: { code: 'st-test', name: 'St Test', timeZone: 'europe/paris' },
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ code: 'st-test', timeZone: 'Europe/Paris', buildings: [] });
    siteId = (created.body as { id: string }).id;

    const again = await sut.request('POST', '/api/v1/sites', {
      token: admin,
      body: { code: 'st-test', name: 'Twice', timeZone: 'UTC' },
    });
    expect(again.status).toBe(409);
    expect(JSON.stringify(again.body)).toContain('st-test');

    const renamed = await sut.request('PATCH', `/api/v1/sites/${siteId}`, {
      token: admin,
      body: { name: 'St Test General' },
    });
    expect(renamed.body).toMatchObject({ name: 'St Test General' });
    expect(
      (await sut.request('PATCH', `/api/v1/sites/${siteId}`, { token: admin, body: { code: 'other' } })).status,
    ).toBe(400);

    const listed = await sut.request('GET', '/api/v1/sites', { token: nurse });
    expect(listed.status).toBe(200);
    expect(listed.body).toEqual(expect.arrayContaining([expect.objectContaining({ code: 'st-test' })]));
  });

  it('adds a building and a floor, with 409 on a code already used in the site', async () => {
    const building = await sut.request('POST', `/api/v1/sites/${siteId}/buildings`, {
      token: admin,
      body: { code: 'main', name: 'Main' },
    });
    expect(building.status).toBe(201);
    buildingId = (building.body as { id: string }).id;
    expect(
      (
        await sut.request('POST', `/api/v1/sites/${siteId}/buildings`, {
          token: admin,
          body: { code: 'main', name: 'Again' },
        })
      ).status,
    ).toBe(409);
    expect(
      (await sut.request('PATCH', `/api/v1/buildings/${buildingId}`, { token: admin, body: { name: 'Main Block' } }))
        .body,
    ).toMatchObject({ name: 'Main Block' });

    const created = await sut.request('POST', `/api/v1/buildings/${buildingId}/floors`, {
      token: admin,
      body: { code: 'T1', name: 'Test floor', level: 1, widthM: 40, heightM: 20 },
    });
    expect(created.status).toBe(201);
    floor = created.body as FloorDetailDto;
    expect(floor).toMatchObject({ code: 'T1', widthM: 40, zones: [] });
    const twice = await sut.request('POST', `/api/v1/buildings/${buildingId}/floors`, {
      token: admin,
      body: { code: 'T1', name: 'Again', level: 2, widthM: 10, heightM: 10 },
    });
    expect(twice.status).toBe(409);
    const missing = await sut.request('POST', `/api/v1/buildings/00000000-0000-4000-8000-000000000000/floors`, {
      token: admin,
      body: { code: 'T9', name: 'Nowhere', level: 1, widthM: 10, heightM: 10 },
    });
    expect(missing.status).toBe(404);
    const invalid = await sut.request('POST', `/api/v1/buildings/${buildingId}/floors`, {
      token: admin,
      body: { code: 't2', name: 'x', level: 1.5, widthM: -1, heightM: 10 },
    });
    expect(invalid.status).toBe(400);
    expect((invalid.body as { message: string[] }).message.join('\n')).toMatch(
      /code must be upper-case[\s\S]*level[\s\S]*widthM/,
    );
  });

  it('adds zones with their label point, refusing overlaps (naming the zone) and outlines outside the floor', async () => {
    const room = await createZone('T1-ROOM-A', rect(0, 0, 10, 10));
    expect(room.status).toBe(201);
    expect(room.body).toMatchObject({ code: 'T1-ROOM-A', centroid: [5, 5] });
    for (const [code, polygon, kind] of [
      ['T1-CORR', rect(0, 10, 40, 4), 'corridor'],
      ['T1-DOOR', rect(10, 0, 2, 10), 'doorway'],
      ['T1-ROOM-B', rect(12, 0, 10, 10), 'room'],
    ] as const) {
      expect((await createZone(code, [...polygon], kind)).status).toBe(201);
    }

    const overlap = await createZone('T1-OVERLAP', rect(5, 5, 3, 3));
    expect(overlap.status).toBe(400);
    expect((overlap.body as { message: string }).message).toMatch(/overlaps zone T1-ROOM-A by 9\.00 m²/);

    const outside = await createZone('T1-OUT', rect(35, 15, 10, 3));
    expect(outside.status).toBe(400);
    expect((outside.body as { message: string }).message).toMatch(/point \[45, 15\] is outside floor T1 \(40 × 20 m\)/);

    const tooFew = await createZone('T1-LINE', [
      [0, 15],
      [5, 15],
    ]);
    expect(tooFew.status).toBe(400);
    expect(JSON.stringify(tooFew.body)).toContain('polygon must have 3 to 200 points');
    const badKind = await sut.request('POST', `/api/v1/floors/${floor.id}/zones`, {
      token: admin,
      body: { code: 'T1-X', name: 'x', kind: 'ballroom', polygon: rect(30, 15, 2, 2) },
    });
    expect(JSON.stringify(badKind.body)).toContain('kind must be one of the following values');
    expect((await createZone('T1-ROOM-A', rect(30, 15, 2, 2))).status).toBe(409);

    const detail = (await sut.request('GET', `/api/v1/floors/${floor.id}`, { token: nurse })).body as FloorDetailDto;
    for (const z of detail.zones) zones.set(z.code, z);
    expect([...zones.keys()].sort()).toEqual(['T1-CORR', 'T1-DOOR', 'T1-ROOM-A', 'T1-ROOM-B']);
  });

  it('changes a zone, recomputing its label point, still refusing overlaps', async () => {
    const id = zones.get('T1-ROOM-B')!.id;
    const changed = await sut.request('PATCH', `/api/v1/zones/${id}`, {
      token: admin,
      body: { name: 'Store B', polygon: rect(12, 0, 6, 10) },
    });
    expect(changed.status).toBe(200);
    expect(changed.body).toMatchObject({ name: 'Store B', centroid: [15, 5] });
    const overlapping = await sut.request('PATCH', `/api/v1/zones/${id}`, {
      token: admin,
      body: { polygon: rect(12, 5, 6, 10) },
    });
    expect(overlapping.status).toBe(400);
    expect((overlapping.body as { message: string }).message).toContain('T1-CORR');
    expect(
      (
        await sut.request('PATCH', '/api/v1/zones/00000000-0000-4000-8000-000000000000', {
          token: admin,
          body: { name: 'x' },
        })
      ).status,
    ).toBe(404);
  });

  it("places devices only inside a zone and replaces a reader's antennas", async () => {
    const gateway = (
      await sut.request('POST', '/api/v1/devices', {
        token: admin,
        body: { code: 'GW-T1-1', name: 'Gateway', kind: 'ble_gateway', vendorFormat: 'minew' },
      })
    ).body as { id: string };
    const nowhere = await sut.request('PATCH', `/api/v1/devices/${gateway.id}`, {
      token: admin,
      body: { floorId: floor.id, x: 30, y: 18 },
    });
    expect(nowhere.status).toBe(400);
    expect((nowhere.body as { message: string }).message).toMatch(/\[30, 18\] lies in no zone of floor T1/);
    const placed = await sut.request('PATCH', `/api/v1/devices/${gateway.id}`, {
      token: admin,
      body: { floorId: floor.id, x: 30, y: 12, name: 'Corridor gateway' },
    });
    expect(placed.status).toBe(200);
    expect(placed.body).toMatchObject({ floorId: floor.id, x: 30, y: 12, name: 'Corridor gateway' });

    const reader = await sut.registerReader([zones.get('T1-ROOM-A')!.id], 'RDR-T1-1');
    const put = (antennas: unknown[]) =>
      sut.request('PUT', `/api/v1/devices/${reader.id}/antennas`, { token: admin, body: { antennas } });
    const door = zones.get('T1-DOOR')!.id;
    const replaced = await put([
      { port: 1, zoneId: zones.get('T1-ROOM-A')!.id },
      { port: 2, zoneId: door, side: 'inside' },
      { port: 3, zoneId: door, side: 'outside' },
    ]);
    expect(replaced.status).toBe(200);
    expect((replaced.body as { antennas: unknown[] }).antennas).toEqual([
      { port: 1, zoneId: zones.get('T1-ROOM-A')!.id, side: null },
      { port: 2, zoneId: door, side: 'inside' },
      { port: 3, zoneId: door, side: 'outside' },
    ]);
    const sideOnRoom = await put([
      { port: 1, zoneId: zones.get('T1-ROOM-A')!.id, side: 'inside' },
      { port: 2, zoneId: zones.get('T1-ROOM-A')!.id, side: 'outside' },
    ]);
    expect((sideOnRoom.body as { message: string }).message).toMatch(/antennas\[0\]\.side: zone T1-ROOM-A is a room/);
    const twice = await put([
      { port: 4, zoneId: door },
      { port: 4, zoneId: door },
    ]);
    expect((twice.body as { message: string }).message).toBe('antennas[1].port: port 4 is listed twice');
    const unknown = await put([{ port: 1, zoneId: '00000000-0000-4000-8000-000000000000' }]);
    expect(unknown.status).toBe(400);
    expect((await put([{ port: 65, zoneId: door }])).status).toBe(400);
    expect(
      (
        await sut.request('PUT', `/api/v1/devices/${gateway.id}/antennas`, {
          token: admin,
          body: { antennas: [{ port: 1, zoneId: door }] },
        })
      ).status,
    ).toBe(400);

    const entries = await auditOf(`device:${reader.id}`);
    expect(entries[0]).toMatchObject({ action: 'update' });
    expect(entries[0].after).toMatchObject({
      antennas: expect.arrayContaining([expect.objectContaining({ zone: 'T1-DOOR', side: 'outside' })]),
    });
  });

  it('refuses to delete a zone an antenna covers (409 naming the reader and port), deletes a free one', async () => {
    const covered = await sut.request('DELETE', `/api/v1/zones/${zones.get('T1-ROOM-A')!.id}`, { token: admin });
    expect(covered.status).toBe(409);
    expect((covered.body as { message: string }).message).toBe(
      "Zone T1-ROOM-A is covered by RDR-T1-1 port 1; replace that reader's antennas first",
    );
    const holdsGateway = await sut.request('DELETE', `/api/v1/zones/${zones.get('T1-CORR')!.id}`, { token: admin });
    expect(holdsGateway.status).toBe(409);
    expect((holdsGateway.body as { message: string }).message).toContain('GW-T1-1');

    const free = zones.get('T1-ROOM-B')!.id;
    expect((await sut.request('DELETE', `/api/v1/zones/${free}`, { token: admin })).status).toBe(204);
    expect((await sut.request('DELETE', `/api/v1/zones/${free}`, { token: admin })).status).toBe(404);
    const [deleted] = await auditOf(`zone:${free}`);
    expect(deleted).toMatchObject({ action: 'delete', before: expect.objectContaining({ code: 'T1-ROOM-B' }) });
  });

  it('refuses to delete a floor with devices on it, naming them; deletes an empty floor with its zones', async () => {
    const busy = await sut.request('DELETE', `/api/v1/floors/${floor.id}`, { token: admin });
    expect(busy.status).toBe(409);
    expect((busy.body as { message: string }).message).toContain('GW-T1-1');

    const spare = (
      await sut.request('POST', `/api/v1/buildings/${buildingId}/floors`, {
        token: admin,
        body: { code: 'T2', name: 'Spare', level: 2, widthM: 10, heightM: 10 },
      })
    ).body as FloorDetailDto;
    await sut.request('POST', `/api/v1/floors/${spare.id}/zones`, {
      token: admin,
      body: { code: 'T2-ROOM', name: 'Room', kind: 'room', polygon: rect(0, 0, 5, 5) },
    });
    const shrink = await sut.request('PATCH', `/api/v1/floors/${spare.id}`, { token: admin, body: { widthM: 4 } });
    expect(shrink.status).toBe(400);
    expect((shrink.body as { message: string }).message).toContain('T2-ROOM');
    expect((await sut.request('DELETE', `/api/v1/floors/${spare.id}`, { token: admin })).status).toBe(204);
    expect((await sut.request('GET', `/api/v1/floors/${spare.id}`, { token: nurse })).status).toBe(404);
    expect((await auditOf(`floor:${spare.id}`)).map((e) => e.action)).toEqual(['delete', 'create']);
  });

  it('stores an uploaded SVG sanitised and serves it', async () => {
    const svg =
      '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 40 20" onload="alert(1)">' +
      '<rect width="40" height="20" fill="#eee"/><script>alert(document.cookie)</script></svg>';
    const res = await upload(floor.id, svg, 'image/svg+xml');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      contentType: 'image/svg+xml',
      removed: ['onload attribute on <svg> (event handler)', '<script> element'],
      warnings: [],
    });
    const plan = await sut.request('GET', `/api/v1/floors/${floor.id}/plan`, { token: nurse });
    expect(plan.headers.get('content-type')).toMatch(/^image\/svg\+xml/);
    expect(plan.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(plan.text).not.toContain('<script');
    expect(plan.text).not.toContain('onload');
    expect(plan.text).toContain('<rect width="40" height="20" fill="#eee"/>');
    const [row] = await sut.query<{ plan_source: string }>(`SELECT plan_source FROM floor WHERE id = $1`, [floor.id]);
    expect(row.plan_source).toBe('upload');

    const [entry] = await auditOf(`floor:${floor.id}`);
    expect(entry).toMatchObject({
      action: 'update',
      before: { planSha256: createHash('sha256').update('').digest('hex'), planSource: 'floorplans' },
      after: {
        planSha256: createHash('sha256').update(plan.text).digest('hex'),
        planSource: 'upload',
        removed: ['onload attribute on <svg> (event handler)', '<script> element'],
      },
    });
  });

  it('refuses an SVG with a DOCTYPE (400) and one that is not XML', async () => {
    const doctype = await upload(
      floor.id,
      '<!DOCTYPE svg [<!ENTITY x SYSTEM "file:///etc/passwd">]><svg viewBox="0 0 1 1">&x;</svg>',
      'image/svg+xml',
    );
    expect(doctype.status).toBe(400);
    expect(doctype.body.message).toMatch(/DOCTYPE/);
    const notXml = await upload(floor.id, 'just some text', 'image/svg+xml');
    expect(notXml.status).toBe(415);
    const broken = await upload(floor.id, '<svg viewBox="0 0 40 20"><g></svg>', 'image/svg+xml');
    expect(broken.status).toBe(400);
    expect(broken.body.message).toMatch(/<\/svg> does not close <g>/);
  });

  it('stores an uploaded PNG and serves its bytes as image/png', async () => {
    const image = png(400, 200);
    const res = await upload(floor.id, image, 'image/png');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ contentType: 'image/png', widthPx: 400, heightPx: 200, bytes: image.length });
    const plan = await fetch(`${sut.baseUrl}/api/v1/floors/${floor.id}/plan`, {
      headers: { authorization: `Bearer ${nurse}` },
    });
    expect(plan.headers.get('content-type')).toBe('image/png');
    expect(Buffer.from(await plan.arrayBuffer()).equals(image)).toBe(true);
    const [entry] = await auditOf(`floor:${floor.id}`);
    expect(entry.after).toMatchObject({ planContentType: 'image/png', widthPx: 400, heightPx: 200 });
    expect(entry.before).toMatchObject({ planContentType: 'image/svg+xml' });
  });

  it('answers 413 above 5 MiB, 415 for another type or bytes that do not match, 403 for a nurse', async () => {
    const big = Buffer.concat([png(4, 2), Buffer.alloc(5 * 1024 * 1024)]);
    const tooBig = await upload(floor.id, big, 'image/png');
    expect(tooBig.status).toBe(413);
    expect(tooBig.body.message).toMatch(/larger than 5 MiB/);

    const huge = await upload(floor.id, Buffer.concat([png(4, 2), Buffer.alloc(7 * 1024 * 1024)]), 'image/png');
    expect(huge.status).toBe(413);
    expect(huge.body.message).toMatch(/at most 6291456 bytes here/);

    const jpeg = await upload(floor.id, Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 0]), 'image/jpeg');
    expect(jpeg.status).toBe(415);
    expect(jpeg.body.message).toMatch(/image\/jpeg is not accepted/);
    const lying = await upload(floor.id, '<svg viewBox="0 0 1 1"/>', 'image/png');
    expect(lying.status).toBe(415);
    const json = await sut.request('PUT', `/api/v1/floors/${floor.id}/plan`, { token: admin, body: { plan: 'x' } });
    expect(json.status).toBe(415);
    const wrongField = await upload(floor.id, png(4, 2), 'image/png', admin, 'file');
    expect(wrongField.status).toBe(400);

    expect((await upload(floor.id, png(4, 2), 'image/png', nurse)).status).toBe(403);
    expect((await upload('00000000-0000-4000-8000-000000000000', png(4, 2), 'image/png')).status).toBe(404);
    // Still the PNG from before: nothing refused was stored.
    const [row] = await sut.query<{ plan_content_type: string }>(`SELECT plan_content_type FROM floor WHERE id = $1`, [
      floor.id,
    ]);
    expect(row.plan_content_type).toBe('image/png');
  });

  it('lets only admins change the facility', async () => {
    for (const [method, path, body] of [
      ['POST', '/api/v1/sites', { code: 'nurse-site', name: 'x', timeZone: 'UTC' }],
      ['PATCH', `/api/v1/sites/${siteId}`, { name: 'x' }],
      [
        'POST',
        `/api/v1/floors/${floor.id}/zones`,
        { code: 'T1-N', name: 'n', kind: 'room', polygon: rect(30, 15, 2, 2) },
      ],
      ['DELETE', `/api/v1/zones/${zones.get('T1-DOOR')!.id}`, undefined],
      ['PATCH', `/api/v1/devices/00000000-0000-4000-8000-000000000000`, { name: 'x' }],
    ] as const) {
      expect([method, path, (await sut.request(method, path, { token: nurse, body })).status]).toEqual([
        method,
        path,
        403,
      ]);
    }
  });

  it('audits every change with before and after', async () => {
    const site = await auditOf(`site:${siteId}`);
    expect(site.map((e) => e.action)).toEqual(['update', 'create']);
    expect(site[0]).toMatchObject({ before: { name: 'St Test' }, after: { name: 'St Test General' } });
    expect((await auditOf(`building:${buildingId}`)).map((e) => e.action)).toEqual(['update', 'create']);
    const zone = await auditOf(`zone:${zones.get('T1-ROOM-B')!.id}`);
    expect(zone.map((e) => e.action)).toEqual(['delete', 'update', 'create']);
    expect(zone[1]).toMatchObject({ before: { centroid: [17, 5] }, after: { centroid: [15, 5], name: 'Store B' } });
  });
});
