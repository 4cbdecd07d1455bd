import { type LoggerService } from '@nestjs/common';
import pino, { type Logger } from 'pino';

/** One JSON logger per process; Fastify adds the request id to every request's child logger. */
export function createLogger(level: string, role: string): Logger {
  return pino({
    level,
    base: { service: 'wardtrack', role, pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: ['req.headers.authorization', 'req.headers["x-api-key"]', '*.password'], censor: '[redacted]' },
    formatters: { level: (label) => ({ level: label }) },
  });
}

/** Routes Nest's own log calls (bootstrap, exceptions) into the same JSON stream. */
export class PinoNestLogger implements LoggerService {
  constructor(private readonly logger: Logger) {}

  log(message: unknown, context?: string): void {
    this.logger.info({ context }, stringify(message));
  }
  error(message: unknown, trace?: string, context?: string): void {
    this.logger.error({ context, trace }, stringify(message));
  }
  warn(message: unknown, context?: string): void {
    this.logger.warn({ context }, stringify(message));
  }
  debug(message: unknown, context?: string): void {
    this.logger.debug({ context }, stringify(message));
  }
  verbose(message: unknown, context?: string): void {
    this.logger.trace({ context }, stringify(message));
  }
}

function stringify(message: unknown): string {
  return typeof message === 'string' ? message : JSON.stringify(message);
}
