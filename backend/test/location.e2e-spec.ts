import IORedis from 'ioredis';
import type { TagLocationDto, TagStayDto } from '@wardtrack/contracts';
import { type DomainEvent, eventsChannel } from '../src/events/events.contract';
import { BatchProcessorService } from '../src/location/batch-processor.service';
import { LocationEngine } from '../src/location/engine';
import { BATCH_CONSUMER, type BatchConsumer, type ObservationBatch, partitionOf } from '../src/queue/queue.contract';
import { dropTestDatabase, eventually, TestApp } from './harness';
import { REDIS_URL } from './test-env';

/**
 * The location engine inside the worker, over HTTP and against real PostgreSQL and Redis:
 * fixes with confidence, stays, doorway passages, lost tags, published events, supply units
 * left to the stock engine, restart recovery and two workers sharing the partitions.
 */
describe('location engine in the worker', () => {
  let sut: TestApp;
  let zones: { id: string; code: string; name: string }[];
  let floorId: string;
  let nurse: string;
  let reader: { id: string; apiKey: string };
  let subscriber: IORedis;
  const events: DomainEvent[] = [];

  beforeAll(async () => {
    sut = await TestApp.start({ env: { LOCATION_LOST_AFTER_SECONDS: '6' } });
    const floor = await sut.someFloor();
    floorId = floor.id;
    zones = floor.zones;
    reader = await sut.registerReader([zones[0].id, zones[1].id, zones[2].id]);
    nurse = await sut.signIn('nurse');
    subscriber = new IORedis(REDIS_URL);
    subscriber.on('message', (_channel, message: string) => events.push(JSON.parse(message) as DomainEvent));
    await subscriber.subscribe(eventsChannel(sut.config.queue.prefix));
  });
  afterAll(async () => {
    subscriber.disconnect();
    await sut.stop();
  });

  const post = (apiKey: string, reads: unknown[]) =>
    sut.request('POST', '/api/v1/ingest/generic', { apiKey, body: { reads } });

  /** A reader that keeps reading a tag on one antenna, as real readers do, for `ms`. */
  async function keepReading(apiKey: string, tagId: string, antenna: number, ms: number, rssi = -55): Promise<void> {
    const until = Date.now() + ms;
    while (Date.now() < until) {
      const res = await post(apiKey, [{ tagId, antenna, rssi, seenAt: new Date().toISOString() }]);
      expect(res.status).toBe(202);
      await new Promise((r) => setTimeout(r, 250));
    }
  }

  const locationOf = async (tagId: string): Promise<TagLocationDto | undefined> => {
    const res = await sut.request('GET', `/api/v1/tags/${tagId}/location`, { token: nurse });
    return res.status === 200 ? (res.body as TagLocationDto) : undefined;
  };
  const inZone = (tagId: string, zoneId: string) =>
    eventually(async () => {
      const l = await locationOf(tagId);
      return l?.zoneId === zoneId ? l : undefined;
    }, 15_000);

  it('locates a tag with a confidence and an age, then records its move as stays and publishes the change', async () => {
    const tagId = '3414257BF4000000000A0001';
    await keepReading(reader.apiKey, tagId, 1, 1_500);
    const first = await inZone(tagId, zones[0].id);
    expect(first).toMatchObject({ tech: 'rfid', state: 'present', floorId });
    expect(first.confidence).toBeGreaterThan(0);
    expect(first.confidence).toBeLessThanOrEqual(1);
    expect(first.ageSeconds).toBeGreaterThanOrEqual(0);
    expect(first.ageSeconds).toBeLessThan(30);

    await keepReading(reader.apiKey, tagId, 2, 4_000);
    const moved = await inZone(tagId, zones[1].id);

    const res = await sut.request('GET', `/api/v1/tags/${tagId}/stays`, { token: nurse });
    expect(res.status).toBe(200);
    const stays = res.body as TagStayDto[];
    expect(stays.map((s) => s.zoneId)).toEqual([zones[0].id, zones[1].id]);
    expect(stays[0].leftAt).not.toBeNull();
    // Contiguous: it left the first zone when it entered the second.
    expect(stays[0].leftAt).toBe(stays[1].enteredAt);
    expect(stays[1]).toMatchObject({ zoneName: zones[1].name, leftAt: null, enteredAt: moved.zoneSince });

    const published = await eventually(() => {
      const e = events.filter((x) => x.tagId === tagId && x.type === 'LocationChanged');
      return e.length >= 2 ? e : undefined;
    });
    expect(published.map((e) => e.type === 'LocationChanged' && e.fix.zoneId)).toEqual([zones[0].id, zones[1].id]);
    const change = published[1];
    expect(change.type === 'LocationChanged' && change.from?.zoneId).toBe(zones[0].id);
    expect(change.publishedAt).toBeGreaterThanOrEqual(change.batchReceivedAt);
  });

  it('answers stays for a time window, and refuses a window that ends before it starts', async () => {
    const tagId = '3414257BF4000000000A0001';
    const before = await sut.request(
      'GET',
      `/api/v1/tags/${tagId}/stays?from=2026-01-01T00:00:00Z&to=2026-01-02T00:00:00Z`,
      {
        token: nurse,
      },
    );
    expect(before.body).toEqual([]);
    // An open stay reaches into any later window: the tag is still there.
    const later = new Date(Date.now() + 3_600_000).toISOString();
    const still = await sut.request('GET', `/api/v1/tags/${tagId}/stays?from=${later}&to=${later}`, { token: nurse });
    expect((still.body as TagStayDto[]).map((s) => s.leftAt)).toEqual([null]);
    const wrong = await sut.request(
      'GET',
      `/api/v1/tags/${tagId}/stays?from=2026-11-25T10:00:00Z&to=2026-11-25T09:00:00Z`,
      { token: nurse },
    );
    expect(wrong.status).toBe(400);
    const unknown = await sut.request('GET', `/api/v1/tags/3414257BF4000000000AFFFF/stays`, { token: nurse });
    expect(unknown.status).toBe(404);
  });

  it('turns a silent tag into "last seen at" and closes its stay; hearing it again reopens one', async () => {
    const tagId = '3414257BF4000000000A0002';
    await keepReading(reader.apiKey, tagId, 3, 1_000);
    await inZone(tagId, zones[2].id);
    const lost = await eventually(async () => {
      const l = await locationOf(tagId);
      return l?.state === 'lost' ? l : undefined;
    }, 20_000);
    expect(lost.zoneId).toBe(zones[2].id);
    const [open] = await sut.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM tag_stay WHERE tag_id = $1 AND left_at IS NULL`,
      [tagId],
    );
    expect(open.n).toBe(0);
    await eventually(() => (events.some((e) => e.tagId === tagId && e.type === 'TagLost') ? true : undefined));

    await keepReading(reader.apiKey, tagId, 3, 1_000);
    await eventually(async () => ((await locationOf(tagId))?.state === 'present' ? true : undefined));
    const stays = await sut.query<{ left_at: Date | null }>(
      `SELECT left_at FROM tag_stay WHERE tag_id = $1 ORDER BY entered_at`,
      [tagId],
    );
    expect(stays).toHaveLength(2);
    expect(stays[1].left_at).toBeNull();
  });

  it('records doorway passages with their direction', async () => {
    const [doorway] = await sut.query<{ id: string }>(
      `SELECT id FROM zone WHERE floor_id = $1 AND kind IN ('doorway', 'exit') ORDER BY code LIMIT 1`,
      [floorId],
    );
    const admin = await sut.signIn('admin');
    const created = await sut.request('POST', '/api/v1/devices', {
      token: admin,
      body: {
        code: 'RDR-T-PORTAL',
        name: 'Test portal',
        kind: 'rfid_reader',
        vendorFormat: 'generic',
        antennas: [
          { port: 1, zoneId: doorway.id, side: 'inside' },
          { port: 2, zoneId: doorway.id, side: 'outside' },
        ],
      },
    });
    expect(created.status).toBe(201);
    const portal = created.body as { id: string; apiKey: string };
    // The worker re-reads the facility periodically; a new device is known once its reads arrive.
    await sut.app.get(BatchProcessorService).refreshTopology();
    const tagId = '3414257BF4000000000A0003';
    const t = Date.now();
    const res = await post(portal.apiKey, [
      { tagId, antenna: 2, rssi: -50, seenAt: new Date(t - 1200).toISOString() },
      { tagId, antenna: 2, rssi: -48, seenAt: new Date(t - 900).toISOString() },
      { tagId, antenna: 1, rssi: -49, seenAt: new Date(t - 400).toISOString() },
      { tagId, antenna: 1, rssi: -52, seenAt: new Date(t - 100).toISOString() },
    ]);
    expect(res.status).toBe(202);
    const passage = await eventually(async () => {
      const rows = await sut.query<{ direction: string; zone_id: string }>(
        `SELECT direction, zone_id FROM tag_passage WHERE tag_id = $1`,
        [tagId],
      );
      return rows.length > 0 ? rows : undefined;
    });
    expect(passage).toEqual([{ direction: 'entered', zone_id: doorway.id }]);
    await eventually(() =>
      events.some((e) => e.tagId === tagId && e.type === 'DoorwayCrossed' && e.direction === 'entered')
        ? true
        : undefined,
    );
  });

  it('re-reads an unchanged facility without rebuilding the engines', async () => {
    const processor = sut.app.get(BatchProcessorService);
    await processor.refreshTopology(); // take in the devices registered so far
    const rebuilds = jest.spyOn(LocationEngine.prototype, 'setTopology');
    try {
      // Devices heard since the last read have new row versions: the table's physical order changed.
      await sut.query(`UPDATE device SET last_seen_at = now() WHERE kind = 'ble_gateway' AND code < 'GW-L1'`);
      await processor.refreshTopology();
      expect(rebuilds).not.toHaveBeenCalled();
    } finally {
      rebuilds.mockRestore();
    }
  });

  it('writes the batches of a partition that arrive together in one transaction, in order, skipping a replayed one', async () => {
    const processor = sut.app.get(BatchProcessorService);
    const partitions = sut.config.queue.partitions;
    const [p] = sut.app.get<BatchConsumer>(BATCH_CONSUMER).owned();
    let n = 0;
    let tagId = '';
    do tagId = `3414257BF4000000000D${String(n++).padStart(4, '0')}`;
    while (partitionOf(tagId, partitions) !== p);
    const run = `group-${Date.now()}`;
    const t = Date.now() - 3_000;
    const batch = (id: string, antenna: number, rssi: number, times: number[]): ObservationBatch => ({
      batchId: `${run}-${id}:p${p}`,
      partition: p,
      deviceId: reader.id,
      format: 'generic',
      receivedAt: Date.now(),
      observations: times.map((at) => ({ tagId, tech: 'rfid', antenna, rssi, seenAt: at })),
    });
    const first = batch('a', 1, -55, [t, t + 250, t + 500]);
    expect(await processor.process(first)).toEqual({ replay: false, changes: 1 });

    // The first batch again (a job re-run after a crash), then the tag carried to antenna 2's
    // zone, one of those batches delivered twice.
    const second = batch('b', 2, -40, [t + 750, t + 1000, t + 1250, t + 1500]);
    const outcomes = await Promise.all([
      processor.process(first),
      processor.process(second),
      processor.process(second),
      processor.process(batch('c', 2, -40, [t + 1750, t + 2000, t + 2250, t + 2500])),
    ]);
    expect(outcomes.map((o) => o.replay)).toEqual([true, false, true, false]);

    const ledger = await sut.query<{ batch_id: string; read_count: number; processed_at: Date }>(
      `SELECT batch_id, read_count, processed_at FROM ingest_batch WHERE batch_id LIKE $1 ORDER BY batch_id`,
      [`${run}-%`],
    );
    expect(ledger.map((r) => [r.batch_id.slice(run.length + 1, run.length + 2), r.read_count])).toEqual([
      ['a', 3],
      ['b', 4],
      ['c', 4],
    ]);
    // b and c were committed together (processed_at is their transaction's start), after a.
    expect(ledger[1].processed_at.getTime()).toBe(ledger[2].processed_at.getTime());
    expect(ledger[1].processed_at.getTime()).toBeGreaterThan(ledger[0].processed_at.getTime());

    await inZone(tagId, zones[1].id);
    const stays = await sut.query<{ zone_id: string; open: boolean }>(
      `SELECT zone_id, left_at IS NULL AS open FROM tag_stay WHERE tag_id = $1 ORDER BY entered_at`,
      [tagId],
    );
    expect(stays).toEqual([
      { zone_id: zones[0].id, open: false },
      { zone_id: zones[1].id, open: true },
    ]);
  });

  it('leaves supply units read in a cabinet to the stock engine, but locates equipment there', async () => {
    const [cabinet] = await sut.query<{ id: string }>(`SELECT id FROM zone WHERE kind = 'cabinet' LIMIT 1`);
    const cabinetReader = await sut.registerReader([cabinet.id]);
    await sut.app.get(BatchProcessorService).refreshTopology();
    const supply = '3074257BF7194E4000001A85'; // SGTIN-96: a trade item, i.e. a supply unit
    const pump = '3414257BF4000000000A0004'; // GIAI-96: an asset
    const now = new Date().toISOString();
    await post(cabinetReader.apiKey, [
      { tagId: supply, antenna: 1, rssi: -50, seenAt: now },
      { tagId: pump, antenna: 1, rssi: -50, seenAt: now },
    ]);
    await inZone(pump, cabinet.id);
    expect(await locationOf(supply)).toBeUndefined();
    const stays = await sut.query(`SELECT 1 FROM tag_stay WHERE tag_id = $1`, [supply]);
    expect(stays).toHaveLength(0);
  });

  it('locates a BLE beacon from the gateways that hear it, in the room it is in', async () => {
    const admin = await sut.signIn('admin');
    const [room] = await sut.query<{ id: string; cx: number; cy: number; floor_id: string }>(
      `SELECT id, centroid_x AS cx, centroid_y AS cy, floor_id FROM zone WHERE floor_id = $1 AND kind = 'room'
       ORDER BY code LIMIT 1`,
      [floorId],
    );
    const spots = [
      [room.cx, room.cy],
      [room.cx - 8, room.cy],
      [room.cx + 8, room.cy],
      [room.cx, room.cy + 9],
    ];
    const gateways: { apiKey: string; x: number; y: number }[] = [];
    for (const [i, [x, y]] of spots.entries()) {
      const res = await sut.request('POST', '/api/v1/devices', {
        token: admin,
        body: {
          code: `GW-T-${i}`,
          name: `Test gateway ${i}`,
          kind: 'ble_gateway',
          vendorFormat: 'generic',
          floorId: room.floor_id,
          x: Math.max(0, x),
          y: Math.max(0, y),
        },
      });
      expect(res.status).toBe(201);
      gateways.push({ apiKey: (res.body as { apiKey: string }).apiKey, x: Math.max(0, x), y: Math.max(0, y) });
    }
    await sut.app.get(BatchProcessorService).refreshTopology();
    const tagId = 'IBEACON:E2C56DB5-DFFB-48D2-B060-D0F5A71096E0:7:1';
    for (let second = 0; second < 8; second++) {
      const seenAt = new Date().toISOString();
      for (const g of gateways) {
        const d = Math.max(1, Math.hypot(g.x - room.cx, g.y - room.cy));
        const rssi = Math.round(-59 - 25 * Math.log10(d));
        await post(g.apiKey, [{ tagId, tech: 'ble', rssi, seenAt }]);
      }
      await new Promise((r) => setTimeout(r, 250));
    }
    const located = await inZone(tagId, room.id);
    expect(located.tech).toBe('ble');
    expect(Math.hypot(located.x - room.cx, located.y - room.cy)).toBeLessThan(4);
  });
});

describe('location engine state across restarts and workers', () => {
  let first: TestApp;
  let zones: { id: string }[];
  let reader: { id: string; apiKey: string };

  let database: string;

  beforeAll(async () => {
    first = await TestApp.start();
    database = first.database;
    zones = (await first.someFloor()).zones;
    reader = await first.registerReader([zones[0].id, zones[1].id]);
  });
  afterAll(async () => {
    await first.app.close();
    await dropTestDatabase(database);
  });

  const post = (app: TestApp, reads: unknown[]) =>
    app.request('POST', '/api/v1/ingest/generic', { apiKey: reader.apiKey, body: { reads } });

  it('rebuilds the engine from the stored fixes: an old read replayed after a restart changes nothing', async () => {
    const tagId = '3414257BF4000000000B0001';
    const t = Date.now();
    await post(first, [{ tagId, antenna: 1, rssi: -50, seenAt: new Date(t - 3000).toISOString() }]);
    await eventually(async () => {
      const rows = await first.query(`SELECT 1 FROM tag_location WHERE tag_id = $1`, [tagId]);
      return rows.length > 0 ? true : undefined;
    });
    await first.app.close();

    const restarted = await TestApp.start({ database });
    try {
      // Older than what the fix already holds, from another antenna: must not move it back.
      await post(restarted, [{ tagId, antenna: 2, rssi: -40, seenAt: new Date(t - 6000).toISOString() }]);
      // And the tag keeps being read where it is: no new stay, no new change.
      await post(restarted, [{ tagId, antenna: 1, rssi: -50, seenAt: new Date(t - 1000).toISOString() }]);
      await eventually(async () => {
        const [row] = await restarted.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM ingest_batch WHERE device_id = $1`,
          [reader.id],
        );
        return row.n >= 3 ? true : undefined;
      });
      const stays = await restarted.query<{ zone_id: string; left_at: Date | null }>(
        `SELECT zone_id, left_at FROM tag_stay WHERE tag_id = $1`,
        [tagId],
      );
      expect(stays).toEqual([{ zone_id: zones[0].id, left_at: null }]);
    } finally {
      await restarted.app.close();
    }
    first = await TestApp.start({ database });
  });

  it('shares the partitions between two workers, and every tag is located once with one open stay', async () => {
    const second = await TestApp.start({ database, role: 'worker' });
    try {
      const ownedBy = (app: TestApp) => app.app.get<BatchConsumer>(BATCH_CONSUMER).owned();
      const split = await eventually(
        () => {
          const a = ownedBy(first);
          const b = ownedBy(second);
          return a.length > 0 && b.length > 0 && a.length + b.length === first.config.queue.partitions
            ? { a, b }
            : undefined;
        },
        30_000,
        200,
      );
      expect(split.a.filter((p) => split.b.includes(p))).toEqual([]);

      const tags = Array.from({ length: 60 }, (_, i) => `3414257BF4000000000C${String(i).padStart(4, '0')}`);
      const now = Date.now();
      for (let round = 0; round < 3; round++) {
        const res = await post(
          first,
          tags.map((tagId) => ({ tagId, antenna: 1, rssi: -55, seenAt: new Date(now + round * 300).toISOString() })),
        );
        expect(res.status).toBe(202);
      }
      const located = await eventually(async () => {
        const [row] = await first.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM tag_location WHERE tag_id LIKE '3414257BF4000000000C%'`,
        );
        return row.n === tags.length ? row.n : undefined;
      }, 20_000);
      expect(located).toBe(60);
      const [open] = await first.query<{ n: number; tags: number }>(
        `SELECT count(*)::int AS n, count(DISTINCT tag_id)::int AS tags FROM tag_stay
         WHERE tag_id LIKE '3414257BF4000000000C%' AND left_at IS NULL`,
      );
      expect(open).toEqual({ n: 60, tags: 60 });
      // Both workers took part.
      const byPartition = new Set(tags.map((t) => partitionOf(t, first.config.queue.partitions)));
      expect([...byPartition].some((p) => split.a.includes(p))).toBe(true);
      expect([...byPartition].some((p) => split.b.includes(p))).toBe(true);
    } finally {
      await second.stop();
    }
  });
});
