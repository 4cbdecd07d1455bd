import { randomBytes } from 'node:crypto';
import type { AlertDto } from '@wardtrack/contracts';
import { AlertEvaluatorService } from '../src/alerts/alert-evaluator.service';
import { eventually, TestApp } from './harness';

/** Tag telemetry from BLE gateways: stored per tag, readable by biomed, and low batteries alert. */
describe('tag telemetry', () => {
  let sut: TestApp;
  let evaluator: AlertEvaluatorService;
  let gateway: { id: string; apiKey: string };
  let biomed: string;
  const minor = 1 + Math.floor(Math.random() * 60_000);
  const tagId = `IBEACON:E2C56DB5-DFFB-48D2-B060-D0F5A71096E0:7:${minor}`;

  beforeAll(async () => {
    // Every evaluation here is run by the test.
    sut = await TestApp.start({ env: { ALERT_EVALUATION_INTERVAL_SECONDS: '3600' } });
    evaluator = sut.app.get(AlertEvaluatorService);
    biomed = await sut.signIn('biomed');
    gateway = await sut.registerReader([(await sut.someFloor()).zones[0].id]);
  });
  afterAll(() => sut.stop());

  /** A Minew G1 body with one decoded iBeacon reporting `battery` (percent). */
  const postBattery = async (battery: number, atMs: number) => {
    const res = await sut.request('POST', '/api/v1/ingest/minew', {
      apiKey: gateway.apiKey,
      body: [
        { type: 'Gateway', mac: 'AC233FC0A1B2', timestamp: new Date(atMs).toISOString() },
        {
          timestamp: new Date(atMs).toISOString(),
          type: 'iBeacon',
          mac: `AC233F${randomBytes(3).toString('hex').toUpperCase()}`,
          ibeaconUuid: 'E2C56DB5-DFFB-48D2-B060-D0F5A71096E0',
          ibeaconMajor: 7,
          ibeaconMinor: minor,
          ibeaconTxPower: -59,
          rssi: -67,
          battery,
        },
      ],
    });
    expect(res.status).toBe(202);
    await eventually(async () => {
      const [row] = await sut.query<{ battery_percent: number }>(
        `SELECT battery_percent FROM tag_telemetry WHERE tag_id = $1`,
        [tagId],
      );
      return row?.battery_percent === battery ? true : undefined;
    });
  };

  const lowBattery = async (state: string) => {
    const res = await sut.request('GET', `/api/v1/alerts?state=${state}&kind=low_battery`, { token: biomed });
    expect(res.status).toBe(200);
    return (res.body as AlertDto[]).filter((a) => a.subjectId === tagId);
  };

  it('stores the newest telemetry per tag and serves it to biomed, not to nurses', async () => {
    const t0 = Date.now() - 60_000;
    await postBattery(90, t0);

    const res = await sut.request('GET', `/api/v1/tags/${encodeURIComponent(tagId)}/telemetry`, { token: biomed });
    const asNurse = await sut.request('GET', `/api/v1/tags/${encodeURIComponent(tagId)}/telemetry`, {
      token: await sut.signIn('nurse'),
    });
    const unknown = await sut.request('GET', '/api/v1/tags/NOPE01/telemetry', { token: biomed });

    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      tagId,
      batteryPercent: 90,
      batteryMv: null,
      temperatureC: null,
      addressType: null,
    });
    expect([asNurse.status, unknown.status]).toEqual([403, 404]);
  });

  it('opens a low_battery alert for a low battery and resolves it once replaced (with hysteresis)', async () => {
    const t0 = Date.now() - 30_000;
    await postBattery(12, t0);

    const opened = await evaluator.evaluate();
    expect(opened.opened).toEqual([expect.objectContaining({ subjectLabel: tagId, kind: 'low_battery' })]);
    expect(await lowBattery('open')).toEqual([
      expect.objectContaining({ kind: 'low_battery', subjectType: 'tag', subjectId: tagId, subjectLabel: tagId }),
    ]);

    await postBattery(23, t0 + 1000);
    expect((await evaluator.evaluate()).resolved).toEqual([]);

    await postBattery(100, t0 + 2000);
    const resolved = await evaluator.evaluate();
    expect(resolved.resolved).toEqual([expect.objectContaining({ subjectLabel: tagId, kind: 'low_battery' })]);
    expect(await lowBattery('open')).toEqual([]);
  });

  it('notes a random BLE address where the gateway says so (Cassia bdaddrType)', async () => {
    const line = `data: ${JSON.stringify({
      bdaddrs: [{ bdaddr: 'D4:11:22:33:44:55', bdaddrType: 'random' }],
      rssi: -61,
      adData: '0201060303AAFE',
    })}`;
    const res = await sut.request('POST', '/api/v1/ingest/cassia', {
      apiKey: gateway.apiKey,
      raw: `${line}\n`,
      headers: { 'content-type': 'text/event-stream' },
    });
    expect(res.status).toBe(202);
    const telemetry = await eventually(async () => {
      const r = await sut.request('GET', `/api/v1/tags/${encodeURIComponent('MAC:D4:11:22:33:44:55')}/telemetry`, {
        token: biomed,
      });
      return r.status === 200 ? (r.body as { addressType: string | null }) : undefined;
    });
    expect(telemetry.addressType).toBe('random');
  });
});
