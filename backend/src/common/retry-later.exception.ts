import { HttpException, HttpStatus } from '@nestjs/common';

/**
 * 429 or 503 that tells the caller when to try again: the exception filter sends
 * `retryAfterSeconds` as the Retry-After header. Used by sign-in lock-out and by ingest.
 */
export class RetryLaterException extends HttpException {
  constructor(
    status: HttpStatus.TOO_MANY_REQUESTS | HttpStatus.SERVICE_UNAVAILABLE,
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super(
      { error: status === HttpStatus.TOO_MANY_REQUESTS ? 'Too Many Requests' : 'Service Unavailable', message },
      status,
    );
  }
}
