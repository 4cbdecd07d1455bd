import type { MultipartFile } from '@fastify/multipart';

/**
 * Floor plan uploads: what is accepted and how a file is recognised. The checks are pure (bytes
 * in, verdict out); `receivePlanFile` is the one piece that reads the request.
 */

/** Largest floor plan file accepted (5 MiB); `main.ts` gives the multipart parser the same limit. */
export const PLAN_MAX_BYTES = 5 * 1024 * 1024;
/** Form field that carries the file. */
export const PLAN_FIELD = 'plan';
/** Largest PNG side in pixels: beyond this browsers refuse or struggle to decode the image. */
export const PLAN_MAX_PNG_SIDE = 16_384;

export const PLAN_CONTENT_TYPES = ['image/svg+xml', 'image/png'] as const;
export type PlanContentType = (typeof PLAN_CONTENT_TYPES)[number];

/** An upload that cannot be accepted, with the HTTP status that says why. */
export class PlanUploadError extends Error {
  constructor(
    readonly status: 400 | 413 | 415,
    message: string,
  ) {
    super(message);
  }
}

/** A file whose bytes match its declared type. */
export type RecognisedPlan =
  | { contentType: 'image/svg+xml'; text: string }
  | { contentType: 'image/png'; bytes: Buffer; widthPx: number; heightPx: number };

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

export function hasPngSignature(bytes: Buffer): boolean {
  return bytes.length >= PNG_SIGNATURE.length && bytes.subarray(0, PNG_SIGNATURE.length).equals(PNG_SIGNATURE);
}

/**
 * Width and height from the IHDR chunk, which a PNG must have first: signature (8 bytes), then
 * chunk length 13 (4), "IHDR" (4), width (4, big-endian), height (4), ...
 */
export function readPngSize(bytes: Buffer): { widthPx: number; heightPx: number } {
  if (!hasPngSignature(bytes)) throw new PlanUploadError(415, 'plan: the file does not start with the PNG signature');
  if (bytes.length < 33 || bytes.readUInt32BE(8) !== 13 || bytes.toString('latin1', 12, 16) !== 'IHDR')
    throw new PlanUploadError(415, 'plan: not a valid PNG (no IHDR header after the signature)');
  const widthPx = bytes.readUInt32BE(16);
  const heightPx = bytes.readUInt32BE(20);
  if (widthPx === 0 || heightPx === 0) throw new PlanUploadError(415, 'plan: not a valid PNG (zero width or height)');
  if (widthPx > PLAN_MAX_PNG_SIDE || heightPx > PLAN_MAX_PNG_SIDE)
    throw new PlanUploadError(
      400,
      `plan: the PNG is ${widthPx} × ${heightPx} px; at most ${PLAN_MAX_PNG_SIDE} px per side is accepted`,
    );
  return { widthPx, heightPx };
}

/** `image/SVG+xml; charset=utf-8` -> `image/svg+xml`. */
export function mediaType(declared: string): string {
  return declared.split(';')[0].trim().toLowerCase();
}

/**
 * Checks that a file is what it says it is: 415 for a type other than SVG or PNG, or bytes that
 * do not match the declared type (a PNG signature on an "SVG", text on a "PNG").
 */
export function recognisePlan(declaredType: string, bytes: Buffer): RecognisedPlan {
  const type = mediaType(declaredType);
  if (bytes.length === 0) throw new PlanUploadError(400, 'plan: the file is empty');
  if (bytes.length > PLAN_MAX_BYTES) throw tooLarge();
  if (type === 'image/png') return { contentType: 'image/png', bytes, ...readPngSize(bytes) };
  if (type !== 'image/svg+xml')
    throw new PlanUploadError(
      415,
      `plan: ${type || 'a file without a type'} is not accepted; upload image/svg+xml or image/png`,
    );
  if (hasPngSignature(bytes)) throw new PlanUploadError(415, 'plan: declared image/svg+xml but the file is a PNG');
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new PlanUploadError(415, 'plan: declared image/svg+xml but the file is not UTF-8 text');
  }
  if (
    !text
      .replace(/^\uFEFF/, '')
      .trimStart()
      .startsWith('<')
  )
    throw new PlanUploadError(415, 'plan: declared image/svg+xml but the file is not XML');
  return { contentType: 'image/svg+xml', text };
}

function tooLarge(): PlanUploadError {
  return new PlanUploadError(
    413,
    `plan: the file is larger than ${PLAN_MAX_BYTES / 1024 / 1024} MiB (${PLAN_MAX_BYTES} bytes)`,
  );
}

/** The request as the multipart plugin decorates it (typed structurally, so this file needs no Fastify types). */
export interface MultipartRequest {
  isMultipart(): boolean;
  file(options?: { limits?: { fileSize?: number } }): Promise<MultipartFile | undefined>;
}

export interface ReceivedPlanFile {
  declaredType: string;
  filename: string;
  bytes: Buffer;
}

/** Reads the one file of a `multipart/form-data` upload, turning the parser's limits into clear answers. */
export async function receivePlanFile(request: MultipartRequest): Promise<ReceivedPlanFile> {
  if (!request.isMultipart())
    throw new PlanUploadError(415, `send the plan as multipart/form-data with one file in the field "${PLAN_FIELD}"`);
  try {
    const part = await request.file({ limits: { fileSize: PLAN_MAX_BYTES } });
    if (!part) throw new PlanUploadError(400, `${PLAN_FIELD}: the form has no file`);
    if (part.fieldname !== PLAN_FIELD) {
      part.file.resume(); // let the parser finish the request
      throw new PlanUploadError(
        400,
        `${PLAN_FIELD}: send the file in the field "${PLAN_FIELD}", not "${part.fieldname}"`,
      );
    }
    const bytes = await part.toBuffer();
    return { declaredType: part.mimetype, filename: part.filename, bytes };
  } catch (e) {
    if (e instanceof PlanUploadError) throw e;
    const code = (e as { code?: unknown }).code;
    if (code === 'FST_REQ_FILE_TOO_LARGE') throw tooLarge();
    if (code === 'FST_FILES_LIMIT') throw new PlanUploadError(400, `${PLAN_FIELD}: send one file only`);
    if (code === 'FST_FIELDS_LIMIT' || code === 'FST_PARTS_LIMIT')
      throw new PlanUploadError(400, 'the form has too many fields');
    throw new PlanUploadError(400, `the multipart form could not be read: ${(e as Error).message}`);
  }
}
