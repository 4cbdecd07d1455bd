import { randomBytes } from 'node:crypto';
import type { TagLocationDto } from '@wardtrack/contracts';
import { connectAsync, type MqttClient } from 'mqtt';
import { MqttIngestService } from '../src/mqtt/mqtt-ingest.service';
import { eventually, TestApp } from './harness';

const BROKER = process.env.TEST_MQTT_URL ?? 'mqtt://127.0.0.1:1883';

/**
 * MQTT ingest against a real Mosquitto (CI starts one on 127.0.0.1:1883): devices publish on their
 * own topic and their messages go through the same ingest path as an HTTP post.
 */
describe('MQTT ingest', () => {
  let sut: TestApp;
  let publisher: MqttClient;
  let admin: string;
  let zones: { id: string }[];
  let prefix: string;

  beforeAll(async () => {
    try {
      publisher = await connectAsync(BROKER, { connectTimeout: 5_000, reconnectPeriod: 0 });
    } catch (e) {
      throw new Error(
        `MQTT broker not reachable at ${BROKER} (${e instanceof Error ? e.message : String(e)}): ` +
          'start Mosquitto on 127.0.0.1:1883 (anonymous allowed) before running this suite',
        { cause: e },
      );
    }
    sut = await TestApp.start({ env: { MQTT_URL: BROKER } });
    admin = await sut.signIn('admin');
    zones = (await sut.someFloor()).zones;
    prefix = `wardtrack-test/${sut.database}/${randomBytes(3).toString('hex')}`;
  });
  afterAll(async () => {
    await publisher?.endAsync(true);
    await sut?.stop();
  });

  const mqtt = () => sut.app.get(MqttIngestService);

  /** Registers a device with the given format and antennas on zones 0 and 1, and gives it a topic. */
  const deviceOn = async (vendorFormat: string, kind = 'rfid_reader') => {
    const code = `RDR-MQ-${randomBytes(3).toString('hex')}`;
    const res = await sut.request('POST', '/api/v1/devices', {
      token: admin,
      body: {
        code,
        name: `MQTT ${code}`,
        kind,
        vendorFormat,
        antennas: [
          { port: 1, zoneId: zones[0].id },
          { port: 2, zoneId: zones[1].id },
        ],
      },
    });
    expect(res.status).toBe(201);
    const id = (res.body as { id: string }).id;
    const topic = `${prefix}/${code}/tags`;
    const put = await sut.request('PUT', `/api/v1/devices/${id}/mqtt`, { token: admin, body: { topic } });
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({ deviceId: id, topic, vendorFormat });
    await eventually(() => Promise.resolve(mqtt().isReady() ? true : undefined));
    return { id, code, topic };
  };

  const zoneOf = (tagId: string, zoneId: string) =>
    eventually(async () => {
      const res = await sut.request('GET', `/api/v1/tags/${tagId}/location`, { token: admin });
      return res.status === 200 && (res.body as TagLocationDto).zoneId === zoneId ? res.body : undefined;
    });

  const smartReader = (epc: string, antennaPort: number, atMs = Date.now() - 1000) =>
    JSON.stringify({
      readerName: 'SmartReader-R700',
      mac: '00:16:25:12:34:56',
      tag_reads: [{ epc, antennaPort, antennaZone: 'A', peakRssi: -52.5, firstSeenTimestamp: atMs * 1000 + 123 }],
    });

  it('locates a tag published by an Impinj SmartReader on its topic', async () => {
    const reader = await deviceOn('impinj-smartreader');
    const epc = `E280${randomBytes(10).toString('hex').toUpperCase()}`;

    await publisher.publishAsync(reader.topic, smartReader(epc, 2), { qos: 1 });

    await zoneOf(epc, zones[1].id);
  });

  it('locates a tag published by a Zebra IoT Connector on its topic', async () => {
    const reader = await deviceOn('zebra-iotc');
    const epc = `3074${randomBytes(10).toString('hex').toUpperCase()}`;
    const event = {
      type: 'SIMPLE',
      timestamp: new Date(Date.now() - 500).toISOString(),
      data: { idHex: epc.toLowerCase(), antenna: 1, peakRssi: -60, reads: 3, eventNum: 1, format: 'epc' },
    };

    await publisher.publishAsync(reader.topic, JSON.stringify([event]), { qos: 1 });

    await zoneOf(epc, zones[0].id);
  });

  it('ignores a malformed message (recording it on the device) and goes on with the next', async () => {
    const reader = await deviceOn('impinj-smartreader');
    const epc = `E280${randomBytes(10).toString('hex').toUpperCase()}`;

    await publisher.publishAsync(reader.topic, '{"readerName": "x", "tag_reads": [', { qos: 1 });
    const error = await eventually(async () => {
      const [row] = await sut.query<{ last_error: string | null }>(`SELECT last_error FROM device WHERE id = $1`, [
        reader.id,
      ]);
      return row.last_error ?? undefined;
    });
    expect(error).toMatch(/^400 on impinj-smartreader/);

    await publisher.publishAsync(reader.topic, smartReader(epc, 1), { qos: 1 });
    await zoneOf(epc, zones[0].id);
  });

  it('lets only admins set a topic, and never a wildcard', async () => {
    const reader = await sut.registerReader([zones[0].id]);
    const url = `/api/v1/devices/${reader.id}/mqtt`;

    const asNurse = await sut.request('PUT', url, { token: await sut.signIn('nurse'), body: { topic: 'a/b' } });
    const hash = await sut.request('PUT', url, { token: admin, body: { topic: `${prefix}/#` } });
    const plus = await sut.request('PUT', url, { token: admin, body: { topic: `${prefix}/+/tags` } });
    const long = await sut.request('PUT', url, { token: admin, body: { topic: 'x'.repeat(201) } });
    const cleared = await sut.request('PUT', url, { token: admin, body: { topic: null } });

    expect([asNurse.status, hash.status, plus.status, long.status, cleared.status]).toEqual([403, 400, 400, 400, 200]);
  });

  it('refuses a topic another device already uses', async () => {
    const first = await deviceOn('impinj-smartreader');
    const other = await sut.registerReader([zones[0].id]);

    const res = await sut.request('PUT', `/api/v1/devices/${other.id}/mqtt`, {
      token: admin,
      body: { topic: first.topic },
    });

    expect(res.status).toBe(409);
  });

  it('reconnects after losing the connection, subscribes again and processes the next message', async () => {
    const reader = await deviceOn('impinj-smartreader');
    const epc = `E280${randomBytes(10).toString('hex').toUpperCase()}`;
    const client = mqtt().client!;
    const reconnected = new Promise<void>((resolve) => client.once('connect', () => resolve()));

    client.stream.destroy();
    await reconnected;
    await eventually(() => Promise.resolve(mqtt().isReady() ? true : undefined));
    await publisher.publishAsync(reader.topic, smartReader(epc, 2), { qos: 1 });

    await zoneOf(epc, zones[1].id);
  });
});
