import type { TagLocationDto } from '@wardtrack/contracts';
import { eventually, TestApp } from './harness';

/**
 * The RFID reader formats end to end over HTTP, framed and labelled as the readers really send
 * them: a vendor body goes in, the tag comes out located in its antenna's zone.
 */
describe('ingest of vendor reader formats', () => {
  let sut: TestApp;
  let reader: { id: string; apiKey: string };
  let zones: { id: string; code: string; name: string }[];
  let nurse: string;
  const t0 = Date.now() - 120_000;
  const at = (offsetMs: number) => new Date(t0 + offsetMs).toISOString();
  /** Impinj IoT: nanoseconds. */
  const nanos = (offsetMs: number) => at(offsetMs).replace('Z', '456789Z');
  /** Speedway Connect: 5 fractional digits. */
  const micros5 = (offsetMs: number) => at(offsetMs).replace('Z', '00Z');
  /** Zebra IoT Connector: +0000 offset. */
  const zebraTime = (offsetMs: number) => at(offsetMs).replace('Z', '+0000');

  beforeAll(async () => {
    sut = await TestApp.start({ env: { INGEST_MAX_READS: '50' } });
    zones = (await sut.someFloor()).zones;
    reader = await sut.registerReader([zones[0].id, zones[1].id, zones[2].id]);
    nurse = await sut.signIn('nurse');
  });
  afterAll(() => sut.stop());

  const post = (format: string, raw: string, contentType: string, apiKey = reader.apiKey) =>
    sut.request('POST', `/api/v1/ingest/${format}`, { apiKey, raw, headers: { 'content-type': contentType } });

  const zoneOf = async (tagId: string): Promise<TagLocationDto> =>
    eventually(async () => {
      const res = await sut.request('GET', `/api/v1/tags/${tagId}/location`, { token: nurse });
      return res.status === 200 ? (res.body as TagLocationDto) : undefined;
    });

  const batchCount = async () => (await sut.query<{ n: number }>(`SELECT count(*)::int AS n FROM ingest_batch`))[0].n;

  const zebraEvent = (idHex: string, antenna: number, offsetMs: number) =>
    JSON.stringify({
      type: 'SIMPLE',
      timestamp: zebraTime(offsetMs),
      data: {
        idHex,
        antenna,
        peakRssi: -58,
        reads: 3,
        eventNum: 12,
        format: 'epc',
        channel: 917.25,
        phase: 12.5,
        PC: '3000',
        CRC: 'ABCD',
        userDefined: null,
      },
    });

  const speedwayRecord = (epc: string, antennaPort: number, offsetMs: number) =>
    JSON.stringify({
      readerName: 'SpeedwayR-10-9F-3F',
      macAddress: '00:16:25:10:9F:3F',
      antennaPort,
      epc,
      tid: 'E2801160600002054D2B6A51',
      firstSeenTimestamp: micros5(offsetMs),
      peakRssi: -61,
      isHeartBeat: false,
    });

  const impinjEvent = (tag: Record<string, unknown>, offsetMs: number) =>
    JSON.stringify({
      timestamp: nanos(offsetMs),
      hostname: 'impinj-14-30-c6',
      eventType: 'tagInventory',
      tagInventoryEvent: { antennaName: 'Antenna', frequency: 920250, transmitPowerCdbm: 3000, ...tag },
    });

  describe('locates tags from each format as readers send it', () => {
    it('zebra-iotc: events back to back with no delimiter, as application/json', async () => {
      const body =
        zebraEvent('3074257bf7194e4000002a01', 2, 1000) +
        JSON.stringify({ type: 'heartbeat', timestamp: zebraTime(1100), data: { radioConnection: 'connected' } }) +
        zebraEvent('3074257bf7194e4000002a02', 3, 1200);

      const res = await post('zebra-iotc', body, 'application/json');

      expect(res.status).toBe(202);
      expect(res.body).toMatchObject({ accepted: 2, duplicate: false });
      const first = await zoneOf('3074257BF7194E4000002A01');
      expect(first).toMatchObject({ zoneId: zones[1].id, lastSeenAt: at(1000) });
      expect((await zoneOf('3074257BF7194E4000002A02')).zoneId).toBe(zones[2].id);
    });

    it('impinj-speedway: one record per line with a heartbeat, as text/plain and as application/json', async () => {
      const plain = [
        speedwayRecord('3074257BF7194E4000002B01', 3, 2000),
        JSON.stringify({ readerName: 'SpeedwayR-10-9F-3F', macAddress: '00:16:25:10:9F:3F', isHeartBeat: true }),
        '',
      ].join('\r\n');
      const json = `${speedwayRecord('3074257BF7194E4000002B02', 1, 2100)}\n${speedwayRecord('3074257BF7194E4000002B02', 1, 2200)}\n`;

      const plainRes = await post('impinj-speedway', plain, 'text/plain');
      const jsonRes = await post('impinj-speedway', json, 'application/json');

      expect([plainRes.status, jsonRes.status]).toEqual([202, 202]);
      expect([plainRes.body, jsonRes.body]).toMatchObject([{ accepted: 1 }, { accepted: 2 }]);
      expect((await zoneOf('3074257BF7194E4000002B01')).zoneId).toBe(zones[2].id);
      expect(await zoneOf('3074257BF7194E4000002B02')).toMatchObject({ zoneId: zones[0].id, lastSeenAt: at(2200) });
    });

    it('impinj-iot: an NDJSON stream with status events and base64 EPCs, as application/x-ndjson', async () => {
      const base64Epc = Buffer.from('3074257BF7194E4000002C02', 'hex').toString('base64');
      const body = [
        JSON.stringify({
          timestamp: nanos(3000),
          hostname: 'impinj-14-30-c6',
          inventoryStatusEvent: { status: 'running' },
        }),
        impinjEvent({ epcHex: '3074257BF7194E4000002C01', antennaPort: 2, peakRssiCdbm: -5250 }, 3100),
        // A capture without eventType, with the EPC in base64 only.
        JSON.stringify({
          timestamp: nanos(3200),
          hostname: 'impinj-14-30-c6',
          tagInventoryEvent: { epc: base64Epc, antennaPort: 1, peakRssiCdbm: -6100, lastSeenTime: nanos(3150) },
        }),
      ].join('\n');

      const res = await post('impinj-iot', `${body}\n`, 'application/x-ndjson');

      expect(res.status).toBe(202);
      expect(res.body).toMatchObject({ accepted: 2 });
      expect((await zoneOf('3074257BF7194E4000002C01')).zoneId).toBe(zones[1].id);
      expect(await zoneOf('3074257BF7194E4000002C02')).toMatchObject({ zoneId: zones[0].id, lastSeenAt: at(3150) });
    });

    it('impinj-iot: a webhook array as application/json', async () => {
      const body = `[${impinjEvent({ epcHex: '3074257BF7194E4000002C03', antennaPort: 3, peakRssiCdbm: -4800 }, 3300)}]`;

      const res = await post('impinj-iot', body, 'application/json');

      expect(res.status).toBe(202);
      expect((await zoneOf('3074257BF7194E4000002C03')).zoneId).toBe(zones[2].id);
    });
  });

  it('accepts a heartbeat-only post and advances the reader’s last-seen time', async () => {
    const other = await sut.registerReader([zones[0].id]);
    const lastSeen = async () =>
      (await sut.query<{ last_seen_at: Date | null }>(`SELECT last_seen_at FROM device WHERE id = $1`, [other.id]))[0]
        .last_seen_at;
    expect(
      (await post('impinj-speedway', speedwayRecord('3074257BF7194E4000002D01', 1, 4000), 'text/plain', other.apiKey))
        .status,
    ).toBe(202);
    const first = await eventually(async () => (await lastSeen()) ?? undefined);

    const heartbeat = JSON.stringify({
      readerName: 'SpeedwayR-10-9F-3F',
      macAddress: '00:16:25:10:9F:3F',
      isHeartBeat: true,
      firstSeenTimestamp: micros5(40_000),
    });
    const res = await post('impinj-speedway', `${heartbeat}\n`, 'text/plain', other.apiKey);

    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({ accepted: 0 });
    // Last seen is the server's time of hearing; the heartbeat alone moves it forward.
    const advanced = await eventually(async () => {
      const seen = await lastSeen();
      return seen && seen.getTime() > first.getTime() ? seen : undefined;
    });
    expect(advanced.getTime()).toBeLessThanOrEqual(Date.now());
  });

  describe('rejects bad input, naming item and field, and queues nothing of it', () => {
    it('names the item index and field of a bad value in an NDJSON stream', async () => {
      const before = await batchCount();
      const body = [
        impinjEvent({ epcHex: '3074257BF7194E4000002E01', antennaPort: 1, peakRssiCdbm: -5250 }, 5000),
        impinjEvent({ epcHex: '3074257BF7194E4000002E02', antennaPort: 1, peakRssiCdbm: -5250 }, 5000),
        impinjEvent({ epcHex: '3074257BF7194E4000002E03', antennaPort: 1, peakRssiCdbm: -52.5 }, 5000),
        impinjEvent({ epcHex: '3074257BF7194E4000002E0', antennaPort: 1 }, 5000),
      ].join('\n');

      const res = await post('impinj-iot', body, 'application/x-ndjson');

      expect(res.status).toBe(400);
      const error = res.body as { message: string[]; errors: { index: number; field: string }[] };
      expect(error.message).toEqual([
        'items[2].tagInventoryEvent.peakRssiCdbm: must be integer',
        'items[3].tagInventoryEvent.epcHex: must be an EPC in hex: an even number of hex digits, at most 128',
      ]);
      expect(error.errors.map((e) => e.index)).toEqual([2, 3]);
      expect(await batchCount()).toBe(before);
    });

    it('names the frame that is not valid JSON', async () => {
      const first = zebraEvent('3074257bf7194e4000002e04', 1, 5000);
      const res = await post('zebra-iotc', `${first}\n{"type":"SIMPLE" "timestamp":1}`, 'application/json');

      expect(res.status).toBe(400);
      // The second line starts one byte after the first event; V8 stops at the key after the missing comma.
      expect((res.body as { message: string[] }).message).toEqual([
        `items[1]: not valid JSON at byte ${first.length + 1 + 17}`,
      ]);
    });

    it('refuses a body with no tag reads and no heartbeat', async () => {
      const res = await post('zebra-iotc', '[]', 'application/json');

      expect(res.status).toBe(400);
      expect((res.body as { message: string[] }).message).toEqual(['body: no tag reads']);
    });

    it('answers 413 to more events than a batch may hold', async () => {
      const body = Array.from({ length: 51 }, (_, i) => zebraEvent(`AB${String(i).padStart(2, '0')}`, 1, 5000)).join(
        '',
      );

      const res = await post('zebra-iotc', body, 'application/json');

      expect(res.status).toBe(413);
    });

    it('answers 415 to media types no reader format uses', async () => {
      const res = await post('impinj-speedway', '<records/>', 'application/xml');

      expect(res.status).toBe(415);
    });
  });

  describe('leaves other routes as they were', () => {
    it('answers 400 to invalid JSON on a non-ingest route', async () => {
      const res = await sut.request('POST', '/api/v1/auth/login', { raw: '{bad' });

      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ statusCode: 400, requestId: res.headers.get('x-request-id') });
    });

    it('answers 415 to NDJSON and plain text on a non-ingest route', async () => {
      const ndjson = await sut.request('POST', '/api/v1/auth/login', {
        raw: '{"email":"a@b.c","password":"x"}\n',
        headers: { 'content-type': 'application/x-ndjson' },
      });
      const plain = await sut.request('POST', '/api/v1/auth/login', {
        raw: '{"email":"a@b.c","password":"x"}',
        headers: { 'content-type': 'text/plain' },
      });

      expect([ndjson.status, plain.status]).toEqual([415, 415]);
    });
  });
});
