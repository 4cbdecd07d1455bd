import type { TagLocationDto } from '@wardtrack/contracts';
import { eventually, TestApp } from './harness';

/** Reads a Server-Sent Events stream into a list of {event, data}. */
async function openStream(url: string, token: string) {
  const controller = new AbortController();
  const response = await fetch(url, { headers: { authorization: `Bearer ${token}` }, signal: controller.signal });
  const received: { event: string; data: unknown }[] = [];
  if (response.status === 200 && response.body) {
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    void (async () => {
      let buffer = '';
      try {
        for (;;) {
          const { value, done } = await reader.read();
          if (done) return;
          buffer += value;
          let cut: number;
          while ((cut = buffer.indexOf('\n\n')) >= 0) {
            const block = buffer.slice(0, cut);
            buffer = buffer.slice(cut + 2);
            const event = /^event: (.*)$/m.exec(block)?.[1];
            const data = /^data: (.*)$/m.exec(block)?.[1];
            if (event && data) received.push({ event, data: JSON.parse(data) });
          }
        }
      } catch {
        // aborted
      }
    })();
  }
  return { response, received, close: () => controller.abort() };
}

describe.each(['bullmq', 'embedded'] as const)('live floor stream on the %s queue', (queue) => {
  let sut: TestApp;
  let floorId: string;
  let zones: { id: string }[];
  let reader: { apiKey: string };
  let nurse: string;

  beforeAll(async () => {
    sut = await TestApp.start({ queue });
    const floor = await sut.someFloor();
    floorId = floor.id;
    zones = floor.zones;
    reader = await sut.registerReader([zones[0].id, zones[1].id]);
    nurse = await sut.signIn('nurse');
  });
  afterAll(() => sut.stop());

  it('pushes the ids of tags that arrive on the floor, so the map refreshes at once', async () => {
    const stream = await openStream(`${sut.baseUrl}/api/v1/floors/${floorId}/live`, nurse);
    try {
      expect(stream.response.status).toBe(200);
      expect(stream.response.headers.get('content-type')).toMatch(/^text\/event-stream/);
      expect(stream.response.headers.get('x-request-id')).toBeTruthy();
      await eventually(() => (stream.received.some((m) => m.event === 'ready') ? true : undefined));

      const tagId = '3414257BF4000000000D0001';
      await sut.request('POST', '/api/v1/ingest/generic', {
        apiKey: reader.apiKey,
        body: { reads: [{ tagId, antenna: 1, rssi: -50, seenAt: new Date().toISOString() }] },
      });
      const pushed = await eventually(() =>
        stream.received.find((m) => m.event === 'tags' && (m.data as { tagIds: string[] }).tagIds.includes(tagId)),
      );
      expect(pushed.data).toEqual({ tagIds: [tagId] });
      const tags = await sut.request('GET', `/api/v1/floors/${floorId}/tags`, { token: nurse });
      expect((tags.body as TagLocationDto[]).some((t) => t.tagId === tagId)).toBe(true);
    } finally {
      stream.close();
    }
  });

  it('refuses a stream without a token, and one for a floor the caller cannot see', async () => {
    const anonymous = await fetch(`${sut.baseUrl}/api/v1/floors/${floorId}/live`);
    expect(anonymous.status).toBe(401);
    const missing = await openStream(`${sut.baseUrl}/api/v1/floors/00000000-0000-4000-8000-000000000000/live`, nurse);
    expect(missing.response.status).toBe(404);
    missing.close();
  });
});
