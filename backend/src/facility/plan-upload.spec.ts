import { crc32, deflateSync } from 'node:zlib';
import {
  hasPngSignature,
  PLAN_MAX_BYTES,
  PlanUploadError,
  readPngSize,
  receivePlanFile,
  recognisePlan,
  type MultipartRequest,
} from './plan-upload';

function chunk(type: string, data: Buffer): Buffer {
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

/** A real, decodable grey PNG of the given size. */
function png(width: number, height: number): Buffer {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 0, 0, 0, 0], 8); // 8-bit greyscale
  const rows = Buffer.alloc((width + 1) * height, 0x80);
  for (let y = 0; y < height; y++) rows[y * (width + 1)] = 0; // filter byte
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(rows)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

const SVG = Buffer.from('<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 5"/>');

const failure = (fn: () => unknown): PlanUploadError => {
  try {
    fn();
  } catch (e) {
    if (e instanceof PlanUploadError) return e;
    throw e;
  }
  throw new Error('expected a PlanUploadError');
};

describe(readPngSize.name, () => {
  it('reads width and height from the IHDR chunk', () => {
    expect(readPngSize(png(320, 160))).toEqual({ widthPx: 320, heightPx: 160 });
  });

  it('refuses bytes without the PNG signature (415)', () => {
    expect(hasPngSignature(SVG)).toBe(false);
    expect(failure(() => readPngSize(SVG))).toMatchObject({ status: 415, message: expect.stringMatching(/signature/) });
  });

  it('refuses a signature not followed by an IHDR chunk (415)', () => {
    const broken = Buffer.concat([png(2, 2).subarray(0, 8), Buffer.from('0000000dIDAT', 'latin1'), Buffer.alloc(20)]);
    expect(failure(() => readPngSize(broken))).toMatchObject({ status: 415, message: expect.stringMatching(/IHDR/) });
    expect(failure(() => readPngSize(png(2, 2).subarray(0, 20))).status).toBe(415);
  });

  it('refuses a zero-sized image (415) and one too large for browsers (400)', () => {
    expect(failure(() => readPngSize(png(0, 10))).status).toBe(415);
    const huge = png(1, 1);
    huge.writeUInt32BE(40_000, 16); // the header alone says 40000 px wide
    expect(failure(() => readPngSize(huge))).toMatchObject({
      status: 400,
      message: expect.stringMatching(/40000 × 1 px/),
    });
  });
});

describe(recognisePlan.name, () => {
  it('recognises a PNG declared as image/png, with its size', () => {
    const bytes = png(64, 32);
    expect(recognisePlan('image/png', bytes)).toEqual({ contentType: 'image/png', bytes, widthPx: 64, heightPx: 32 });
  });

  it('recognises an SVG declared as image/svg+xml, whatever the parameters and case', () => {
    expect(recognisePlan('Image/SVG+xml; charset=utf-8', SVG)).toEqual({
      contentType: 'image/svg+xml',
      text: SVG.toString('utf8'),
    });
  });

  it.each([
    ['an SVG declared as PNG', 'image/png', SVG, /PNG signature/],
    ['a PNG declared as SVG', 'image/svg+xml', png(4, 4), /the file is a PNG/],
    ['binary bytes declared as SVG', 'image/svg+xml', Buffer.from([0xff, 0xfe, 0x00, 0x3c]), /not UTF-8/],
    ['plain text declared as SVG', 'image/svg+xml', Buffer.from('hello'), /not XML/],
    ['a JPEG', 'image/jpeg', Buffer.from([0xff, 0xd8, 0xff, 0xe0]), /image\/jpeg is not accepted/],
    ['a file without a type', '', SVG, /a file without a type is not accepted/],
  ])('refuses %s with 415', (_label, type, bytes, message) => {
    expect(failure(() => recognisePlan(type, bytes))).toMatchObject({
      status: 415,
      message: expect.stringMatching(message),
    });
  });

  it('refuses an empty file (400) and one above 5 MiB (413)', () => {
    expect(failure(() => recognisePlan('image/svg+xml', Buffer.alloc(0))).status).toBe(400);
    expect(failure(() => recognisePlan('image/png', Buffer.alloc(PLAN_MAX_BYTES + 1)))).toMatchObject({
      status: 413,
      message: expect.stringMatching(/larger than 5 MiB/),
    });
  });
});

describe(receivePlanFile.name, () => {
  const request = (file: MultipartRequest['file'], multipart = true): MultipartRequest => ({
    isMultipart: () => multipart,
    file,
  });

  it('refuses a request that is not multipart/form-data (415)', async () => {
    await expect(receivePlanFile(request(() => Promise.resolve(undefined), false))).rejects.toMatchObject({
      status: 415,
    });
  });

  it('answers 413 naming the limit when the parser stops at 5 MiB', async () => {
    const tooLarge = Object.assign(new Error('request file too large'), { code: 'FST_REQ_FILE_TOO_LARGE' });
    await expect(receivePlanFile(request(() => Promise.reject(tooLarge)))).rejects.toMatchObject({
      status: 413,
      message: expect.stringMatching(/larger than 5 MiB/),
    });
  });

  it('refuses a form without a file (400)', async () => {
    await expect(receivePlanFile(request(() => Promise.resolve(undefined)))).rejects.toMatchObject({
      status: 400,
      message: 'plan: the form has no file',
    });
  });
});
