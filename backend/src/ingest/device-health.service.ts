import { Inject, Injectable, type HttpException } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Logger } from 'pino';
import type { DataSource } from 'typeorm';
import { LOGGER } from '@backend/config/config.module';

const RECORD_EVERY_MS = 10_000;

/**
 * Remembers each reader's last rejected post (format, status, first problem) on its device row,
 * so an operator can see why a reader's data is not arriving. Written at most every 10 s per
 * device, off the request path: a misconfigured reader posting 50 times a second costs no more.
 */
@Injectable()
export class DeviceHealthService {
  private readonly lastWrite = new Map<string, number>();

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  recordRejection(deviceId: string, format: string, error: HttpException, now: number): void {
    if (now - (this.lastWrite.get(deviceId) ?? 0) < RECORD_EVERY_MS) return;
    this.lastWrite.set(deviceId, now);
    const response = error.getResponse() as { message?: unknown };
    const message = Array.isArray(response.message) ? (response.message[0] as unknown) : response.message;
    const first = typeof message === 'string' ? message : error.message;
    const text = `${error.getStatus()} on ${format}: ${first}`.slice(0, 500);
    this.dataSource
      .query(`UPDATE device SET last_error = $2, last_error_at = to_timestamp($3 / 1000.0) WHERE id = $1`, [
        deviceId,
        text,
        now,
      ])
      .catch((e: Error) => this.logger.warn({ deviceId, err: e.message }, 'could not record a device rejection'));
  }
}
