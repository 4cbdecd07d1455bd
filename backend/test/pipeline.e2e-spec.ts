import type { TagLocationDto } from '@wardtrack/contracts';
import { eventually, TestApp } from './harness';

/**
 * The pipeline end to end over HTTP: a reader posts, the API queues, the worker locates,
 * the location API answers. Run against both queue implementations behind the one job contract.
 */
describe.each(['bullmq', 'embedded'] as const)('pipeline on the %s queue', (queue) => {
  let sut: TestApp;
  let reader: { id: string; apiKey: string };
  let zones: { id: string; code: string; name: string }[];
  let nurse: string;
  const t0 = Date.now() - 60_000;
  const at = (offsetMs: number) => new Date(t0 + offsetMs).toISOString();

  beforeAll(async () => {
    sut = await TestApp.start({ queue, env: { INGEST_MAX_READS: '50' } });
    zones = (await sut.someFloor()).zones;
    reader = await sut.registerReader([zones[0].id, zones[1].id, zones[2].id]);
    nurse = await sut.signIn('nurse');
  });
  afterAll(() => sut.stop());

  const post = (body: unknown, headers: Record<string, string> = {}) =>
    sut.request('POST', '/api/v1/ingest/generic', { apiKey: reader.apiKey, body, headers });

  const locationOf = async (tagId: string): Promise<TagLocationDto | undefined> => {
    const res = await sut.request('GET', `/api/v1/tags/${tagId}/location`, { token: nurse });
    return res.status === 200 ? (res.body as TagLocationDto) : undefined;
  };

  it('reports the database and the queue as up', async () => {
    const res = await sut.request('GET', '/api/v1/health');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'ok', database: 'up', queue: 'up', queueKind: queue });
  });

  it('places a tag in the zone of the antenna that read it', async () => {
    const res = await post({ reads: [{ tagId: '3034257bf7194e4000000a01', antenna: 2, rssi: -55.5, seenAt: at(0) }] });
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({ accepted: 1, duplicate: false });

    const location = await eventually(() => locationOf('3034257BF7194E4000000A01'));
    expect(location).toMatchObject({ tagId: '3034257BF7194E4000000A01', zoneId: zones[1].id, zoneName: zones[1].name });
    expect(location.lastSeenAt).toBe(at(0));
    expect(typeof location.x).toBe('number');
    expect(typeof location.y).toBe('number');
  });

  it('follows a tag that moves, and lets the strongest antenna of the moment win', async () => {
    // GIAI-96, an asset: equipment is located wherever it is read (a trade item read in a
    // stock zone would be left to the stock engine).
    const tagId = '3414257BF4000000000A0A02';
    await post({ reads: [{ tagId, antenna: 1, rssi: -50, seenAt: at(1000) }] });
    await eventually(async () => ((await locationOf(tagId))?.zoneId === zones[0].id ? true : undefined));
    // Carried into zone 3: for a couple of seconds antenna 3 hears it strongly, 1 and 2 faintly.
    const res = await post({
      reads: [5000, 5500, 6000, 6500, 7000, 7500].flatMap((t) => [
        { tagId, antenna: 1, rssi: -78, seenAt: at(t) },
        { tagId, antenna: 3, rssi: -49, seenAt: at(t + 200) },
        { tagId, antenna: 2, rssi: -70, seenAt: at(t + 100) },
      ]),
    });
    expect(res.status).toBe(202);
    const moved = await eventually(async () => {
      const l = await locationOf(tagId);
      return l?.zoneId === zones[2].id ? l : undefined;
    });
    // In zone 3 from when the evidence for it began, not from when the move was confirmed.
    expect(Date.parse(moved.zoneSince)).toBeGreaterThanOrEqual(Date.parse(at(5200)));
    expect(Date.parse(moved.zoneSince)).toBeLessThanOrEqual(Date.parse(at(6700)));
  });

  it('writes a location only when it changes, and never lets an old batch undo a newer one', async () => {
    const tagId = '3034257BF7194E4000000A03';
    await post({ reads: [{ tagId, antenna: 1, rssi: -50, seenAt: at(10_000) }] }, { 'idempotency-key': 'a03-1' });
    await eventually(() => locationOf(tagId));
    const [before] = await sut.query<{ updated_at: Date }>(`SELECT updated_at FROM tag_location WHERE tag_id = $1`, [
      tagId,
    ]);

    // Same zone a few seconds later: nothing to write.
    await post({ reads: [{ tagId, antenna: 1, rssi: -51, seenAt: at(12_000) }] }, { 'idempotency-key': 'a03-2' });
    // A late batch from before the first read, in another zone: must not move the tag back in time.
    await post({ reads: [{ tagId, antenna: 2, rssi: -40, seenAt: at(9_000) }] }, { 'idempotency-key': 'a03-3' });
    await eventually(async () => {
      const [row] = await sut.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM ingest_batch WHERE batch_id LIKE $1 || ':p%' OR batch_id LIKE $2 || ':p%'`,
        [`${reader.id}:a03-2`, `${reader.id}:a03-3`],
      );
      return row.n === 2 ? true : undefined;
    });
    const [after] = await sut.query<{ updated_at: Date; zone_id: string }>(
      `SELECT updated_at, zone_id FROM tag_location WHERE tag_id = $1`,
      [tagId],
    );
    expect(after.updated_at).toEqual(before.updated_at);
    expect(after.zone_id).toBe(zones[0].id);
  });

  it('processes a batch sent twice only once', async () => {
    const body = {
      batchId: 'dup-7',
      reads: [{ tagId: '3034257BF7194E4000000A04', antenna: 1, rssi: -60, seenAt: at(20_000) }],
    };
    const first = await post(body);
    const second = await post(body);
    expect(first.status).toBe(202);
    expect(second.status).toBe(202);
    expect(second.body).toMatchObject({ batchId: `${reader.id}:dup-7`, duplicate: true });
    await eventually(() => locationOf('3034257BF7194E4000000A04'));
    // One ledger row per partition job of the batch: the tag's one partition.
    const rows = await sut.query(`SELECT * FROM ingest_batch WHERE batch_id LIKE $1 || ':p%'`, [`${reader.id}:dup-7`]);
    expect(rows).toHaveLength(1);
  });

  it('records when the reader was last heard, by the server clock, and its clock skew', async () => {
    const sent = Date.now();
    // The batch's reads are 30 s old (a reader with a slow clock, or a short buffer): it was still heard now.
    await post({ reads: [{ tagId: '3034257BF7194E4000000A05', antenna: 1, rssi: -60, seenAt: sent - 30_000 }] });
    const device = await eventually(async () => {
      const [d] = await sut.query<{ last_seen_at: Date | null; clock_skew_ms: number | null }>(
        `SELECT last_seen_at, clock_skew_ms FROM device WHERE id = $1`,
        [reader.id],
      );
      return d.last_seen_at && d.last_seen_at.getTime() >= sent ? d : undefined;
    });
    expect(device.last_seen_at!.getTime()).toBeLessThan(Date.now() + 1);
    expect(device.clock_skew_ms).toBeLessThanOrEqual(-29_000);
    expect(device.clock_skew_ms).toBeGreaterThan(-31_000);
  });

  describe('rejects bad input with the item index and field, and queues nothing of it', () => {
    const backlogOf = async () => (await sut.query<{ n: number }>(`SELECT count(*)::int AS n FROM ingest_batch`))[0].n;

    it('names the failing read and field', async () => {
      const res = await post({
        reads: [
          { tagId: '3034257BF7194E4000000B01', antenna: 1, rssi: -50, seenAt: at(0) },
          { tagId: '3034257BF7194E4000000B02', antenna: 1, rssi: 99, seenAt: at(0) },
          { tagId: '3034257BF7194E4000000B03', antenna: 1, seenAt: 'yesterday' },
          { antenna: 1, seenAt: at(0) },
        ],
      });
      expect(res.status).toBe(400);
      const body = res.body as { message: string[]; errors: { index: number; field: string }[]; requestId: string };
      expect(body.errors).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ index: 1, field: 'reads[1].rssi' }),
          expect.objectContaining({ index: 3, field: 'reads[3].tagId' }),
        ]),
      );
      expect(body.message).toEqual(expect.arrayContaining(['reads[1].rssi: must be <= 20']));
      expect(body.requestId).toBe(res.headers.get('x-request-id'));
    });

    it('rejects times it cannot read and clocks far in the future', async () => {
      const bad = await post({ reads: [{ tagId: 'AB01', antenna: 1, seenAt: '2026-11-25 10:00:00' }] });
      expect(bad.status).toBe(400);
      expect((bad.body as { message: string[] }).message[0]).toMatch(/^reads\[0\]\.seenAt: must be an ISO-8601 time/);
      const future = await post({
        reads: [{ tagId: 'AB01', antenna: 1, seenAt: new Date(Date.now() + 3_600_000).toISOString() }],
      });
      expect(future.status).toBe(400);
      expect((future.body as { message: string[] }).message[0]).toMatch(/^reads\[0\]\.seenAt: .*future/);
    });

    it('rejects unknown fields, formats, content types and oversized batches', async () => {
      const before = await backlogOf();
      const unknownField = await post({ reads: [{ tagId: 'AB01', antenna: 1, seenAt: at(0), colour: 'red' }] });
      expect(unknownField.status).toBe(400);
      expect((unknownField.body as { message: string[] }).message).toContain('reads[0]: unknown field "colour"');

      const format = await sut.request('POST', '/api/v1/ingest/acme', { apiKey: reader.apiKey, body: [] });
      expect(format.status).toBe(404);
      expect((format.body as { message: string }).message).toMatch(/supported: generic/);

      const xml = await sut.request('POST', '/api/v1/ingest/generic', {
        apiKey: reader.apiKey,
        raw: '<reads/>',
        headers: { 'content-type': 'application/xml' },
      });
      expect(xml.status).toBe(415);

      const brokenJson = await sut.request('POST', '/api/v1/ingest/generic', {
        apiKey: reader.apiKey,
        raw: '{"reads": [',
      });
      expect(brokenJson.status).toBe(400);

      const many = Array.from({ length: 51 }, (_, i) => ({ tagId: `AB${i}`, antenna: 1, seenAt: at(0) }));
      const tooLarge = await post({ reads: many });
      expect(tooLarge.status).toBe(413);
      expect((tooLarge.body as { message: string }).message).toMatch(/51 reads; at most 50/);
      expect(await backlogOf()).toBe(before);
    });
  });

  describe('device authentication', () => {
    const read = { reads: [{ tagId: 'AB01', antenna: 1, seenAt: at(0) }] };

    it('refuses a post without a key, with an unknown key, or with a person’s token', async () => {
      expect((await sut.request('POST', '/api/v1/ingest/generic', { body: read })).status).toBe(401);
      const forged = `wtd_${'0'.repeat(12)}_${'A'.repeat(43)}`;
      expect((await sut.request('POST', '/api/v1/ingest/generic', { body: read, apiKey: forged })).status).toBe(401);
      expect((await sut.request('POST', '/api/v1/ingest/generic', { body: read, token: nurse })).status).toBe(401);
    });

    it('accepts the key as the HTTP Basic password (readers that can only do Basic)', async () => {
      const basic = Buffer.from(`reader:${reader.apiKey}`).toString('base64');
      const res = await sut.request('POST', '/api/v1/ingest/generic', {
        body: read,
        headers: { authorization: `Basic ${basic}` },
      });
      expect(res.status).toBe(202);
    });

    it('refuses a device key on staff routes', async () => {
      expect((await sut.request('GET', '/api/v1/floors', { apiKey: reader.apiKey })).status).toBe(401);
    });

    it('stops accepting a key once it is revoked', async () => {
      const other = await sut.registerReader([zones[0].id]);
      expect((await sut.request('POST', '/api/v1/ingest/generic', { body: read, apiKey: other.apiKey })).status).toBe(
        202,
      );
      const admin = await sut.signIn('admin');
      expect((await sut.request('POST', `/api/v1/devices/${other.id}/revoke`, { token: admin })).status).toBe(200);
      expect((await sut.request('POST', '/api/v1/ingest/generic', { body: read, apiKey: other.apiKey })).status).toBe(
        401,
      );
    });
  });
});
