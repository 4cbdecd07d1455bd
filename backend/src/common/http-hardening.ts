import type { FastifyInstance } from 'fastify';

/** Largest body anything but ingest accepts (logins, admin forms). */
export const DEFAULT_BODY_LIMIT = 256 * 1024;
/** Largest ingest body: thousands of reads in a vendor's verbose JSON. */
export const INGEST_BODY_LIMIT = 4 * 1024 * 1024;
/** Largest floor plan upload body: the 5 MiB file, its multipart framing and a margin (the parser enforces 5 MiB). */
export const PLAN_UPLOAD_BODY_LIMIT = 6 * 1024 * 1024;
const PLAN_UPLOAD_PATH = /^\/api\/v1\/floors\/[^/?]+\/plan(\?|$)/;

// The web app loads only its own files; floor plans arrive as blob: URLs; Leaflet sets inline styles.
const APP_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "connect-src 'self'",
  "font-src 'self' data:",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');
// Swagger UI needs inline styles and its own init script from the same origin.
const DOCS_CSP = "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'";

/**
 * Security headers on every response, per-route body size limits, and HSTS when the request
 * came over HTTPS (directly or through a trusted reverse proxy's X-Forwarded-Proto).
 */
export function applyHttpHardening(fastify: FastifyInstance): void {
  fastify.addHook('onRequest', async (request, reply) => {
    const length = Number(request.headers['content-length'] ?? 0);
    const limit = request.url.startsWith('/api/v1/ingest/')
      ? INGEST_BODY_LIMIT
      : PLAN_UPLOAD_PATH.test(request.url)
        ? PLAN_UPLOAD_BODY_LIMIT
        : DEFAULT_BODY_LIMIT;
    if (length > limit) {
      await reply.status(413).send({
        statusCode: 413,
        error: 'Payload Too Large',
        message: `Request body is ${length} bytes; at most ${limit} bytes here`,
        requestId: String(request.id),
      });
    }
  });
  fastify.addHook('onSend', async (request, reply) => {
    void reply.header('x-content-type-options', 'nosniff');
    void reply.header('x-frame-options', 'DENY');
    void reply.header('referrer-policy', 'no-referrer');
    void reply.header('cross-origin-opener-policy', 'same-origin');
    void reply.header('cross-origin-resource-policy', 'same-origin');
    void reply.header('permissions-policy', 'camera=(self), geolocation=(), microphone=(), payment=()');
    if (!reply.hasHeader('content-security-policy')) {
      void reply.header('content-security-policy', request.url.startsWith('/api/docs') ? DOCS_CSP : APP_CSP);
    }
    if (request.protocol === 'https') {
      void reply.header('strict-transport-security', 'max-age=31536000; includeSubDomains');
    }
    if (request.url.startsWith('/api/') && !reply.hasHeader('cache-control')) {
      void reply.header('cache-control', 'no-store');
    }
  });
}

/**
 * One log line per request, with its id, status and time: info for people's requests, debug for
 * successful ingest posts (readers send many a second), warn for client errors, error for 5xx.
 */
export function logRequests(fastify: FastifyInstance): void {
  fastify.addHook('onResponse', async (request, reply) => {
    const status = reply.statusCode;
    const ingest = request.url.startsWith('/api/v1/ingest/');
    const level = status >= 500 ? 'error' : status >= 400 ? 'warn' : ingest ? 'debug' : 'info';
    request.log[level](
      { method: request.method, url: request.url, status, ms: Math.round(reply.elapsedTime * 10) / 10 },
      'request completed',
    );
  });
}
