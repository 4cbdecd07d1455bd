import fc from 'fast-check';
import { INGEST_FORMATS, type TagLocationDto } from '@wardtrack/contracts';
import { eventually, TestApp } from './harness';

/** What operators see of a reader, and what hostile or broken input does to ingest (never a 500). */
describe('ingest robustness and device health', () => {
  let sut: TestApp;
  let reader: { id: string; apiKey: string };
  let biomed: string;

  beforeAll(async () => {
    sut = await TestApp.start({ env: { INGEST_RATE_PER_DEVICE: '100000', INGEST_BURST_PER_DEVICE: '100000' } });
    const { zones } = await sut.someFloor();
    reader = await sut.registerReader([zones[0].id, zones[1].id]);
    biomed = await sut.signIn('biomed');
  });
  afterAll(() => sut.stop());

  const post = (format: string, raw: string, contentType = 'application/json') =>
    sut.request('POST', `/api/v1/ingest/${format}`, {
      apiKey: reader.apiKey,
      raw,
      headers: { 'content-type': contentType },
    });

  it('shows per device: last seen, reads per minute, clock skew and the last rejection', async () => {
    const deviceTime = Date.now() + 2_000; // the reader's clock runs 2 s ahead
    const reads = Array.from({ length: 5 }, (_, i) => ({
      tagId: `HEALTH${i}`,
      antenna: 1,
      rssi: -50,
      seenAt: deviceTime,
    }));
    expect((await post('generic', JSON.stringify({ reads }))).status).toBe(202);
    expect(
      (await post('generic', JSON.stringify({ reads: [{ tagId: 'X', antenna: 1, rssi: -300, seenAt: deviceTime }] })))
        .status,
    ).toBe(400);

    const device = await eventually(async () => {
      const res = await sut.request('GET', `/api/v1/devices/${reader.id}`, { token: biomed });
      const d = res.body as {
        readsPerMinute: number;
        clockSkewMs: number | null;
        lastError: string | null;
        lastSeenAt: string;
      };
      return d.readsPerMinute >= 5 && d.lastError ? d : undefined;
    });
    expect(device.clockSkewMs).toBeGreaterThan(1_000);
    expect(device.clockSkewMs).toBeLessThan(3_000);
    expect(device.lastError).toMatch(/^400 on generic: reads\[0\]\.rssi: must be >= -120/);
    // Heard by the server clock, not the reader's (which runs ahead).
    expect(new Date(device.lastSeenAt).getTime()).toBeLessThan(deviceTime);
    expect(new Date(device.lastSeenAt).getTime()).toBeGreaterThan(deviceTime - 60_000);
  });

  it('lists tags it hears that belong to no asset, with where and when', async () => {
    const res = await sut.request('GET', '/api/v1/tags/unknown', { token: biomed });
    expect(res.status).toBe(200);
    const tags = res.body as TagLocationDto[];
    expect(tags.map((t) => t.tagId)).toEqual(expect.arrayContaining(['HEALTH0', 'HEALTH4']));
    expect(tags[0]).toMatchObject({ zoneName: expect.any(String), lastSeenAt: expect.any(String), asset: null });
    expect((await sut.request('GET', '/api/v1/tags/unknown', { token: await sut.signIn('nurse') })).status).toBe(403);
  });

  it('accepts a buffered replay of old reads without moving a fix back in time', async () => {
    const now = Date.now();
    await post(
      'generic',
      JSON.stringify({ reads: [{ tagId: 'REPLAY1', antenna: 2, rssi: -50, seenAt: now - 1_000 }] }),
    );
    await eventually(async () =>
      (await sut.request('GET', '/api/v1/tags/REPLAY1/location', { token: biomed })).status === 200 ? true : undefined,
    );
    // Ten minutes of buffered reads from antenna 1, all older than the live one.
    const buffered = Array.from({ length: 600 }, (_, i) => ({
      tagId: 'REPLAY1',
      antenna: 1,
      rssi: -40,
      seenAt: now - 600_000 + i * 900,
    }));
    expect((await post('generic', JSON.stringify({ reads: buffered.slice(0, 300) }))).status).toBe(202);
    expect((await post('generic', JSON.stringify({ reads: buffered.slice(300) }))).status).toBe(202);
    await new Promise((r) => setTimeout(r, 500));
    const location = (await sut.request('GET', '/api/v1/tags/REPLAY1/location', { token: biomed }))
      .body as TagLocationDto;
    const [{ zone_id }] = await sut.query<{ zone_id: string }>(
      `SELECT zone_id FROM antenna WHERE device_id = $1 AND port = 2`,
      [reader.id],
    );
    expect(location.zoneId).toBe(zone_id);
    expect(new Date(location.lastSeenAt).getTime()).toBe(now - 1_000);
  });

  it('never answers 500 to random or hostile bodies, in any format or content type', async () => {
    const formats = [...INGEST_FORMATS];
    const contentTypes = ['application/json', 'application/x-ndjson', 'text/plain', 'text/event-stream'];
    const jsonish = fc.oneof(
      fc.json(),
      fc.string(),
      fc.jsonValue().map((v) => JSON.stringify(v)),
      fc.array(fc.jsonValue()).map((vs) => vs.map((v) => JSON.stringify(v)).join('')),
      fc.array(fc.jsonValue()).map((vs) => vs.map((v) => JSON.stringify(v)).join('\n')),
      fc.constantFrom(
        '{"__proto__":{"x":1}}',
        '{"reads":[{"tagId":"A","seenAt":1e400}]}',
        '[[[[[[[[[[[[[[[[',
        '}{}{',
        '\u0000',
        '{"reads":null}',
      ),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...formats),
        fc.constantFrom(...contentTypes),
        jsonish,
        async (format, type, body) => {
          const res = await post(format, body, type);
          return res.status < 500;
        },
      ),
      { numRuns: 500 },
    );
  });

  it('reads a time without an offset in the site time zone (the demo hospital is in Europe/London)', async () => {
    const instant = Math.floor((Date.now() - 5_000) / 1000) * 1000;
    const parts = Object.fromEntries(
      new Intl.DateTimeFormat('en-GB', {
        timeZone: 'Europe/London',
        hourCycle: 'h23',
        year: 'numeric',
        month: '2-digit',
        day: '2-digit',
        hour: '2-digit',
        minute: '2-digit',
        second: '2-digit',
      })
        .formatToParts(instant)
        .map((p) => [p.type, p.value]),
    );
    const local = `${parts.year}-${parts.month}-${parts.day}T${parts.hour}:${parts.minute}:${parts.second}`;
    const res = await post(
      'generic',
      JSON.stringify({ reads: [{ tagId: 'LOCALTIME1', antenna: 1, rssi: -50, seenAt: local }] }),
    );
    expect(res.status).toBe(202);
    const location = await eventually(async () => {
      const r = await sut.request('GET', '/api/v1/tags/LOCALTIME1/location', { token: biomed });
      return r.status === 200 ? (r.body as TagLocationDto) : undefined;
    });
    expect(new Date(location.lastSeenAt).getTime()).toBe(instant);
  });
});
