import { BadRequestException, PayloadTooLargeException } from '@nestjs/common';

/** One problem in a posted batch: which item (index in the batch) and which field. */
export interface IngestProblem {
  index: number | null;
  field: string;
  message: string;
}

const MAX_REPORTED = 20;

/** 400 naming item index and field, e.g. "reads[3].rssi: must be <= 20". */
export function invalidBatch(problems: IngestProblem[]): BadRequestException {
  const reported = problems.slice(0, MAX_REPORTED);
  return new BadRequestException({
    error: 'Bad Request',
    message: reported.map((p) => `${p.field}: ${p.message}`),
    errors: reported,
  });
}

export function batchTooLarge(count: number, max: number): PayloadTooLargeException {
  return new PayloadTooLargeException(`Batch has ${count} reads; at most ${max} per request (split it)`);
}

/** 413 for a vendor body with more events / records than one batch may hold. */
export function tooManyItems(max: number): PayloadTooLargeException {
  return new PayloadTooLargeException(`Batch has more than ${max} items; at most ${max} per request (split it)`);
}
