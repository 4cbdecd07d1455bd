import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException, HttpStatus } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { RetryLaterException } from './retry-later.exception';

/** Told the status of every refused ingest post (the wardtrack_ingest_rejected_total counter). */
export interface IngestRejectionCounter {
  ingestRefused(status: number): unknown;
}

/** Error body every endpoint returns: no stack traces, no SQL, always the request id. */
export interface ErrorBody {
  statusCode: number;
  error: string;
  message: string | string[];
  requestId: string;
  /** Per-item problems for batch input (ingest): which item and field failed. */
  errors?: unknown[];
}

/**
 * Turns every error into ErrorBody. With `spaRoot` set, a GET outside /api that matched nothing
 * gets the web app's index.html instead (client-side routes such as /map/123).
 */
@Catch()
export class HttpExceptionFilter implements ExceptionFilter {
  private indexHtml?: string;

  constructor(
    private readonly spaRoot: string | null = null,
    private readonly ingestRejections: IngestRejectionCounter | null = null,
  ) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const ctx = host.switchToHttp();
    const request = ctx.getRequest<FastifyRequest>();
    const reply = ctx.getResponse<FastifyReply>();
    if (exception instanceof HttpException && exception.getStatus() === 404 && this.serveSpa(request, reply)) return;
    if (isDatabaseUnavailable(exception)) {
      // The database is restarting or unreachable: "try again shortly", not a server bug.
      request.log.warn({ err: (exception as Error).message }, 'database unavailable');
      exception = new RetryLaterException(
        HttpStatus.SERVICE_UNAVAILABLE,
        'Database unavailable; nothing was changed, retry',
        DATABASE_RETRY_AFTER_S,
      );
    }
    let body: ErrorBody;
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const response = exception.getResponse();
      const fields = typeof response === 'object' && response !== null ? (response as Record<string, unknown>) : {};
      body = {
        statusCode: status,
        error: typeof fields.error === 'string' ? fields.error : (HttpStatus[status] ?? 'Error'),
        message: (fields.message as string | string[] | undefined) ?? exception.message,
        requestId: String(request.id),
        ...(Array.isArray(fields.errors) ? { errors: fields.errors } : {}),
      };
    } else if (isFastifyError(exception)) {
      // Fastify's own errors (body too large, bad JSON, unsupported content type) are client errors.
      body = {
        statusCode: exception.statusCode,
        error: HttpStatus[exception.statusCode] ?? 'Error',
        message: exception.message,
        requestId: String(request.id),
      };
    } else {
      request.log.error({ err: exception }, 'unhandled error');
      body = {
        statusCode: 500,
        error: 'Internal Server Error',
        message: 'Internal server error',
        requestId: String(request.id),
      };
    }
    if (this.ingestRejections && request.method === 'POST' && request.url.startsWith('/api/v1/ingest/')) {
      this.ingestRejections.ingestRefused(body.statusCode);
    }
    if (exception instanceof RetryLaterException) void reply.header('retry-after', String(exception.retryAfterSeconds));
    void reply.status(body.statusCode).header('x-request-id', String(request.id)).send(body);
  }

  private serveSpa(request: FastifyRequest, reply: FastifyReply): boolean {
    if (!this.spaRoot || request.method !== 'GET' || request.url.startsWith('/api')) return false;
    if (this.indexHtml === undefined) {
      const file = join(this.spaRoot, 'index.html');
      if (!existsSync(file)) return false;
      this.indexHtml = readFileSync(file, 'utf8');
    }
    void reply.status(200).type('text/html; charset=utf-8').header('cache-control', 'no-cache').send(this.indexHtml);
    return true;
  }
}

const DATABASE_RETRY_AFTER_S = 5;

/** Network errors and PostgreSQL's "cannot connect now" / "admin shutdown" family. */
const DB_DOWN_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  '57P01',
  '57P02',
  '57P03',
  '08000',
  '08001',
  '08003',
  '08006',
]);
const DB_DOWN_MESSAGES = [
  'Connection terminated',
  'the database system is starting up',
  'the database system is shutting down',
  'timeout exceeded when trying to connect',
  'Connection is closed',
];

/** An error meaning PostgreSQL is unreachable for now (a restart, a fail-over), from pg or TypeORM. */
export function isDatabaseUnavailable(e: unknown): boolean {
  if (typeof e !== 'object' || e === null) return false;
  const err = e as { code?: unknown; message?: unknown; driverError?: unknown };
  if (typeof err.code === 'string' && DB_DOWN_CODES.has(err.code)) return true;
  const message = typeof err.message === 'string' ? err.message : '';
  if (DB_DOWN_MESSAGES.some((m) => message.includes(m))) return true;
  return err.driverError !== undefined && err.driverError !== e && isDatabaseUnavailable(err.driverError);
}

function isFastifyError(e: unknown): e is { statusCode: number; message: string; code: string } {
  return (
    typeof e === 'object' &&
    e !== null &&
    typeof (e as { statusCode?: unknown }).statusCode === 'number' &&
    (e as { statusCode: number }).statusCode >= 400 &&
    (e as { statusCode: number }).statusCode < 500 &&
    typeof (e as { code?: unknown }).code === 'string'
  );
}
