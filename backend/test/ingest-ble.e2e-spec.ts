import { eventually, TestApp } from './harness';

/**
 * The BLE gateway formats end to end over HTTP: a gateway body goes in, a batch with one read per
 * advertiser heard comes out in ingest_batch.
 */
describe('ingest of BLE gateway formats', () => {
  let sut: TestApp;
  let gateway: { id: string; apiKey: string };
  const t0 = Date.now() - 60_000;
  const iso = (offsetMs: number) => new Date(t0 + offsetMs).toISOString();
  const seconds = (offsetMs: number) => String(Math.floor((t0 + offsetMs) / 1000));
  const IBEACON = '0201061AFF4C000215E2C56DB5DFFB48D2B060D0F5A71096E000070008C5';
  const TLM = '0303AAFE1116AAFE20000BB81680000000640000 03E8'.replace(' ', '');

  beforeAll(async () => {
    // One partition: each accepted batch is then exactly one ledger row to count its reads by.
    sut = await TestApp.start({ env: { LOCATION_PARTITIONS: '1' } });
    const zones = (await sut.someFloor()).zones;
    gateway = await sut.registerReader([zones[0].id]);
  });
  afterAll(() => sut.stop());

  const post = (format: string, raw: string, contentType = 'application/json') =>
    sut.request('POST', `/api/v1/ingest/${format}`, {
      apiKey: gateway.apiKey,
      raw,
      headers: { 'content-type': contentType },
    });

  const readCount = (batchId: string) =>
    eventually(async () => {
      // The batch's reads, summed over its partition jobs.
      const rows = await sut.query<{ read_count: number | null }>(
        `SELECT sum(read_count)::int AS read_count FROM ingest_batch WHERE batch_id LIKE $1 || ':p%'`,
        [batchId],
      );
      return rows[0]?.read_count ?? undefined;
    });

  it('minew: a G1 array with the gateway element, a decoded iBeacon and a raw advertiser', async () => {
    const body = JSON.stringify([
      { type: 'Gateway', mac: 'AC233FC0A1B2', timestamp: iso(0) },
      {
        timestamp: iso(100),
        type: 'iBeacon',
        mac: 'AC233FA01234',
        ibeaconUuid: 'E2C56DB5-DFFB-48D2-B060-D0F5A71096E0',
        ibeaconMajor: 1,
        ibeaconMinor: 2,
        ibeaconTxPower: -59,
        rssi: -67,
        battery: 90,
      },
      { timestamp: iso(200), type: 'Unknown', mac: 'AC233FA01235', rssi: -75, rawData: IBEACON },
      { timestamp: iso(300), type: 'Unknown', mac: 'AC233FA01236', rssi: -81, rawData: TLM },
    ]);

    const res = await post('minew', body);

    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({ accepted: 3, duplicate: false });
    expect(await readCount((res.body as { batchId: string }).batchId)).toBe(3);
  });

  it('ruuvi: one gateway body with its tags', async () => {
    const body = JSON.stringify({
      data: {
        coordinates: '',
        timestamp: seconds(1000),
        nonce: '42',
        gw_mac: 'C8:25:2D:8E:9C:2C',
        tags: {
          'CC:2C:6A:1E:59:3D': {
            rssi: -65,
            timestamp: seconds(900),
            data: '0201061BFF99040512FC5394C37C0004FFFC040CAC364200CDCBB8334C884F',
          },
          'DD:2C:6A:1E:59:3E': { rssi: -70, timestamp: seconds(950), data: IBEACON },
        },
      },
    });

    const res = await post('ruuvi', body);

    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({ accepted: 2, duplicate: false });
    expect(await readCount((res.body as { batchId: string }).batchId)).toBe(2);
  });

  it('ingics and cassia: text lines as text/plain and text/event-stream', async () => {
    const gprp = [
      `$GPRP,0081F9A0B1C2,F008D1798E50,-68,${IBEACON},${seconds(2000)}`,
      `$GPRP,0081F9A0B1C3,F008D1798E50,-71,0201060303AAFE,${seconds(2100)}.25`,
      '',
    ].join('\r\n');
    const sse = [
      ':keep-alive',
      `data: ${JSON.stringify({ bdaddrs: [{ bdaddr: 'CC:1B:E0:E2:8F:A1', bdaddrType: 'public' }], rssi: -58, adData: IBEACON, evtType: 0 })}`,
      '',
    ].join('\n');

    const ingics = await post('ingics', gprp, 'text/plain');
    const cassia = await post('cassia', sse, 'text/event-stream');

    expect([ingics.status, cassia.status]).toEqual([202, 202]);
    expect([ingics.body, cassia.body]).toMatchObject([{ accepted: 2 }, { accepted: 1 }]);
    expect(await readCount((ingics.body as { batchId: string }).batchId)).toBe(2);
  });

  it('refuses a broken line naming it', async () => {
    const res = await post('ingics', '$GPRP,nope\n', 'text/plain');

    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ errors: [{ index: 0, field: 'items[0]' }] });
  });
});
