/** Why ingest refused a request, as the `reason` label of wardtrack_ingest_rejected_total. */
export type IngestRejectionReason =
  | 'validation'
  | 'auth'
  | 'unknown_format'
  | 'too_large'
  | 'unsupported_media_type'
  | 'rate_limited'
  | 'unavailable'
  | 'error';

/** The reason for an HTTP status ingest answered with (400 bad reads, 401/403 device key, 413, 429, 503 queue). */
export function ingestRejectionReason(status: number): IngestRejectionReason {
  switch (status) {
    case 400:
    case 422:
      return 'validation';
    case 401:
    case 403:
      return 'auth';
    case 404:
      return 'unknown_format';
    case 413:
      return 'too_large';
    case 415:
      return 'unsupported_media_type';
    case 429:
      return 'rate_limited';
    case 503:
      return 'unavailable';
    default:
      return status >= 400 && status < 500 ? 'validation' : 'error';
  }
}

/** Whether a request path is an ingest post (POST /api/v1/ingest/{format}). */
export function isIngestPath(url: string): boolean {
  return url.startsWith('/api/v1/ingest/');
}
