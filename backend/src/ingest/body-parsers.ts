import type { NestFastifyApplication } from '@nestjs/platform-fastify';

/**
 * The Fastify instance under Nest, typed from Nest itself: `@nestjs/platform-fastify` may resolve
 * its own copy of fastify, whose types are not assignable to the top-level package's.
 */
export type NestFastifyInstance = ReturnType<ReturnType<NestFastifyApplication['getHttpAdapter']>['getInstance']>;

/** Where the relaxed parsing applies: the device ingest routes and nothing else. */
export const INGEST_PATH_PREFIX = '/api/v1/ingest/';

/**
 * A body that is not one JSON document (NDJSON lines, objects back to back) or was sent as
 * NDJSON / JSON Lines / plain text, handed to the ingest service as text for `splitJsonValues`.
 */
export class RawIngestBody {
  constructor(
    readonly text: string,
    /** The request's media type, e.g. `application/x-ndjson`. */
    readonly contentType: string,
  ) {}
}

/** Streaming media types readers use for one value per line (Cassia posts its SSE scan stream as text/event-stream). */
const STREAM_TYPES = ['application/x-ndjson', 'application/jsonl', 'text/plain', 'text/event-stream'];

function isIngest(request: { url: string }): boolean {
  return request.url.startsWith(INGEST_PATH_PREFIX);
}

/** The error Fastify itself raises for a media type it has no parser for (a 415). */
function unsupportedMediaType(type: string): Error {
  return Object.assign(new Error(`Unsupported Media Type: ${type}`), {
    statusCode: 415,
    code: 'FST_ERR_CTP_INVALID_MEDIA_TYPE',
  });
}

/** `parseAs: 'string'` gives a string; the type says it may be a Buffer. */
function asText(body: string | Buffer): string {
  return typeof body === 'string' ? body : body.toString('utf8');
}

/** True when the text is one JSON document: the default parser then failed for another reason. */
function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

/**
 * Lets the ingest routes take the framings real readers send, which Fastify's JSON parser
 * refuses before any of our code runs:
 * - `application/json` parses as before (same parser, same prototype-poisoning checks), but on
 *   an ingest URL a body that is not one JSON document comes through as a `RawIngestBody`;
 * - `application/x-ndjson`, `application/jsonl` and `text/plain` give a `RawIngestBody` on
 *   ingest URLs and 415 everywhere else.
 * Other routes keep today's behaviour: invalid JSON is a 400, other media types a 415.
 *
 * Nest adds its own `application/json` parser when the application initialises, after
 * `createApp` has returned, and Fastify refuses a second one; so the parsers go in a plugin
 * without encapsulation, which Fastify loads at `ready()`, after Nest's, and which replaces it.
 */
export function registerIngestBodyParsers(fastify: NestFastifyInstance): void {
  const plugin = (instance: NestFastifyInstance, _options: unknown, done: (err?: Error) => void) => {
    const { onProtoPoisoning, onConstructorPoisoning } = instance.initialConfig;
    const defaultJson = instance.getDefaultJsonParser(onProtoPoisoning ?? 'error', onConstructorPoisoning ?? 'error');

    if (instance.hasContentTypeParser('application/json')) instance.removeContentTypeParser('application/json');
    instance.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, parsed) => {
      const text = asText(body);
      // Fastify's default parser answers through the callback, synchronously; nothing to await.
      void defaultJson(request, text, (err, value) => {
        // A syntax error on an ingest URL is a framing for the splitter; an empty body or a
        // poisoned prototype (valid JSON the default parser refused) stays an error.
        if (err && isIngest(request) && text.length > 0 && !isJson(text)) {
          parsed(null, new RawIngestBody(text, 'application/json'));
        } else {
          parsed(err, value);
        }
      });
    });

    for (const type of STREAM_TYPES) {
      if (instance.hasContentTypeParser(type)) instance.removeContentTypeParser(type);
      instance.addContentTypeParser(type, { parseAs: 'string' }, (request, body, parsed) => {
        if (isIngest(request)) parsed(null, new RawIngestBody(asText(body), type));
        else parsed(unsupportedMediaType(type), undefined);
      });
    }
    done();
  };
  // Fastify's documented opt-out of encapsulation (what fastify-plugin sets): the parsers apply to every route.
  (plugin as unknown as Record<symbol, boolean>)[Symbol.for('skip-override')] = true;
  void fastify.register(plugin);
}
