import { FastifyAdapter } from '@nestjs/platform-fastify';
import { type NestFastifyInstance, RawIngestBody, registerIngestBodyParsers } from './body-parsers';

/** What a route saw: a parsed JSON value, or the raw text handed on for framing. */
function describeBody(body: unknown): unknown {
  return body instanceof RawIngestBody ? { raw: body.text, contentType: body.contentType } : { json: body };
}

describe(registerIngestBodyParsers.name, () => {
  let sut: NestFastifyInstance;

  beforeAll(async () => {
    sut = new FastifyAdapter().getInstance();
    registerIngestBodyParsers(sut);
    sut.post('/api/v1/ingest/:format', (request) => describeBody(request.body));
    sut.post('/api/v1/auth/login', (request) => describeBody(request.body));
    await sut.ready();
  });
  afterAll(() => sut.close());

  const post = (url: string, contentType: string, payload: string) =>
    sut.inject({ method: 'POST', url, headers: { 'content-type': contentType }, payload });

  it('parses a JSON document as before, on ingest and elsewhere', async () => {
    const ingest = await post('/api/v1/ingest/zebra-iotc', 'application/json', '[{"a":1}]');
    const login = await post('/api/v1/auth/login', 'application/json; charset=utf-8', '{"email":"a@b"}');

    expect(ingest.json()).toEqual({ json: [{ a: 1 }] });
    expect(login.json()).toEqual({ json: { email: 'a@b' } });
  });

  it('hands an ingest body that is not one JSON document on as text', async () => {
    const res = await post('/api/v1/ingest/zebra-iotc', 'application/json', '{"a":1}{"a":2}');

    expect(res.json()).toEqual({ raw: '{"a":1}{"a":2}', contentType: 'application/json' });
  });

  it.each(['application/x-ndjson', 'application/jsonl', 'text/plain'])(
    'hands %s on as text to ingest',
    async (type) => {
      const res = await post('/api/v1/ingest/impinj-iot', type, '{"a":1}\n{"a":2}\n');

      expect(res.json()).toEqual({ raw: '{"a":1}\n{"a":2}\n', contentType: type });
    },
  );

  it('still answers 400 to invalid JSON outside ingest', async () => {
    const res = await post('/api/v1/auth/login', 'application/json', '{bad');

    expect(res.statusCode).toBe(400);
  });

  it('still refuses JSON with a poisoned prototype, on ingest too', async () => {
    const res = await post('/api/v1/ingest/zebra-iotc', 'application/json', '{"__proto__":{"admin":true}}');

    expect(res.statusCode).toBe(400);
  });

  it('still refuses an empty JSON body on ingest', async () => {
    const res = await post('/api/v1/ingest/zebra-iotc', 'application/json', '');

    expect(res.statusCode).toBe(400);
  });

  it.each(['application/x-ndjson', 'text/plain'])('answers 415 to %s outside ingest', async (type) => {
    const res = await post('/api/v1/auth/login', type, '{"email":"a@b"}');

    expect(res.statusCode).toBe(415);
  });

  it('answers 415 to other media types, on ingest too', async () => {
    const res = await post('/api/v1/ingest/zebra-iotc', 'application/xml', '<reads/>');

    expect(res.statusCode).toBe(415);
  });
});
