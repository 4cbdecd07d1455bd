import { BadRequestException, HttpException, PayloadTooLargeException } from '@nestjs/common';
import type { DevicePrincipal } from '@backend/auth/principal';
import { loadConfig } from '@backend/config/app-config';
import type { BatchQueue, EnqueueResult, ObservationBatch } from '@backend/queue/queue.contract';
import { RawIngestBody } from './body-parsers';
import type { DeviceHealthService } from './device-health.service';
import { IngestService } from './ingest.service';

const NOW = Date.UTC(2026, 10, 25, 10, 0, 0);
const device: DevicePrincipal = {
  type: 'device',
  id: 'dev-1',
  code: 'RDR-1',
  kind: 'rfid_reader',
  vendorFormat: 'x',
  timeZone: null,
};

/** Keeps what was enqueued, in memory. */
class RecordingQueue implements BatchQueue {
  readonly kind = 'embedded' as const;
  readonly batches: ObservationBatch[] = [];
  enqueue(parts: readonly ObservationBatch[]): Promise<EnqueueResult> {
    this.batches.push(...parts);
    return Promise.resolve('accepted');
  }
  backlog(): Promise<number> {
    return Promise.resolve(this.batches.length);
  }
  isHealthy(): Promise<boolean> {
    return Promise.resolve(true);
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
}

/** Keeps the rejections the service reports for operators. */
class RecordingHealth {
  readonly rejections: { deviceId: string; format: string; status: number }[] = [];
  recordRejection(deviceId: string, format: string, error: HttpException): void {
    this.rejections.push({ deviceId, format, status: error.getStatus() });
  }
}

/** The 400 or 413 a call rejects with, and its response body. */
async function rejectionOf(call: Promise<unknown>): Promise<{ status: number; body: Record<string, unknown> }> {
  try {
    await call;
  } catch (e) {
    if (e instanceof BadRequestException || e instanceof PayloadTooLargeException) {
      return { status: e.getStatus(), body: e.getResponse() as Record<string, unknown> };
    }
    throw e;
  }
  throw new Error('expected a rejection');
}

const zebra = (idHex: string) =>
  JSON.stringify({ type: 'SIMPLE', timestamp: '2026-11-25T09:59:58.123+0000', data: { idHex, antenna: 1 } });

describe(IngestService.name, () => {
  let queue: RecordingQueue;
  let health: RecordingHealth;
  let sut: IngestService;

  beforeEach(() => {
    queue = new RecordingQueue();
    health = new RecordingHealth();
    sut = new IngestService(queue, loadConfig({ INGEST_MAX_READS: '3', LOCATION_PARTITIONS: '1' }), health as unknown as DeviceHealthService);
  });

  it('splits a concatenated vendor body and queues its reads', async () => {
    const body = new RawIngestBody(`${zebra('aa01')}${zebra('aa02')}`, 'application/json');

    const accepted = await sut.ingest(device, 'zebra-iotc', body, undefined, NOW);

    expect(accepted).toMatchObject({ accepted: 2, duplicate: false });
    expect(queue.batches[0].observations.map((o) => o.tagId)).toEqual(['AA01', 'AA02']);
    // The device was alive at its newest read (told once per batch, with the first part).
    expect(queue.batches[0].deviceSeenAt).toBe(Date.parse('2026-11-25T09:59:58.123Z'));
  });

  it('queues a heartbeat-only batch with the time the device was alive', async () => {
    const body = new RawIngestBody('{"readerName":"SpeedwayR-10-9F-3F","isHeartBeat":true}\n', 'text/plain');

    const accepted = await sut.ingest(device, 'impinj-speedway', body, undefined, NOW);

    expect(accepted.accepted).toBe(0);
    expect(queue.batches).toEqual([expect.objectContaining({ observations: [], deviceSeenAt: NOW })]);
  });

  it('refuses a vendor batch with neither reads nor heartbeats', async () => {
    const sut400 = await rejectionOf(sut.ingest(device, 'impinj-iot', [], undefined, NOW));

    expect(sut400).toMatchObject({ status: 400, body: { message: ['body: no tag reads'] } });
    expect(queue.batches).toEqual([]);
  });

  it('names the frame of a body it cannot split', async () => {
    const body = new RawIngestBody(`${zebra('aa01')}\n{"type":`, 'application/x-ndjson');

    const sut400 = await rejectionOf(sut.ingest(device, 'zebra-iotc', body, undefined, NOW));

    expect(sut400.status).toBe(400);
    const start = zebra('aa01').length + 1;
    expect(sut400.body.errors).toEqual([
      {
        index: 1,
        field: 'items[1]',
        message: `JSON value starting at byte ${start} is not closed before the body ends`,
      },
    ]);
  });

  it('answers 413 for more items than a batch may hold, however they are framed', async () => {
    const raw = new RawIngestBody([1, 2, 3, 4].map((i) => zebra(`aa0${i}`)).join(''), 'application/json');
    const array = [1, 2, 3, 4].map((i) => JSON.parse(zebra(`aa0${i}`)) as unknown);

    expect((await rejectionOf(sut.ingest(device, 'zebra-iotc', raw, undefined, NOW))).status).toBe(413);
    expect((await rejectionOf(sut.ingest(device, 'zebra-iotc', array, undefined, NOW))).status).toBe(413);
    expect(queue.batches).toEqual([]);
  });

  it('keeps the generic format to one JSON document, and its empty batches accepted as before', async () => {
    const raw = new RawIngestBody('{"reads":[]}{"reads":[]}', 'application/json');

    const sut400 = await rejectionOf(sut.ingest(device, 'generic', raw, undefined, NOW));
    const empty = await sut.ingest(device, 'generic', { reads: [] }, undefined, NOW);

    expect(sut400.body.errors).toEqual([expect.objectContaining({ index: null, field: 'body' })]);
    expect(empty.accepted).toBe(0);
  });

  const generic = (tagId: string) => ({ reads: [{ tagId, antenna: 1, rssi: -50, seenAt: NOW - 1000 }] });
  const statusOf = async (call: Promise<unknown>) =>
    call.then(
      () => 202,
      (e: HttpException) => ({
        status: e.getStatus(),
        retryAfter: (e as unknown as { retryAfterSeconds?: number }).retryAfterSeconds,
      }),
    );

  it('recognises a re-sent batch without an id by its content', async () => {
    const first = await sut.ingest(device, 'generic', generic('AA01'), undefined, NOW);
    const again = await sut.ingest(device, 'generic', generic('AA01'), undefined, NOW + 5);
    const other = await sut.ingest(device, 'generic', generic('AA02'), undefined, NOW + 10);
    expect(again.batchId).toBe(first.batchId);
    expect(other.batchId).not.toBe(first.batchId);
    expect(first.batchId.startsWith('dev-1:sha256:')).toBe(true);
  });

  it('slows down a reader that posts too often, telling it when to retry', async () => {
    const limited = new IngestService(
      queue,
      loadConfig({ INGEST_RATE_PER_DEVICE: '1', INGEST_BURST_PER_DEVICE: '2' }),
      health as unknown as DeviceHealthService,
    );
    await limited.ingest(device, 'generic', generic('AA01'), undefined, NOW);
    await limited.ingest(device, 'generic', generic('AA02'), undefined, NOW);
    expect(await statusOf(limited.ingest(device, 'generic', generic('AA03'), undefined, NOW))).toEqual({
      status: 429,
      retryAfter: 1,
    });
    expect(queue.batches).toHaveLength(2);
  });

  it('answers 503 rather than 202 when the queue cannot store the batch', async () => {
    queue.enqueue = () => Promise.reject(new Error('Connection is closed.'));
    expect(await statusOf(sut.ingest(device, 'generic', generic('AA01'), undefined, NOW))).toEqual({
      status: 503,
      retryAfter: 5,
    });
  });

  it('answers 503 while the backlog is over its limit', async () => {
    const small = new IngestService(
      queue,
      loadConfig({ INGEST_MAX_BACKLOG: '1' }),
      health as unknown as DeviceHealthService,
    );
    queue.backlog = () => Promise.resolve(2);
    expect(await statusOf(small.ingest(device, 'generic', generic('AA01'), undefined, NOW))).toMatchObject({
      status: 503,
    });
    expect(queue.batches).toHaveLength(0);
  });

  it('tells operators about a rejected post', async () => {
    await statusOf(sut.ingest(device, 'generic', { reads: [{ tagId: 'AA01', seenAt: 'noon' }] }, undefined, NOW));
    expect(health.rejections).toEqual([{ deviceId: 'dev-1', format: 'generic', status: 400 }]);
  });
});
