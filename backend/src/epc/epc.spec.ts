import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import fc from 'fast-check';
import { decodeEpc, GS1_SCHEMES, type Gs1Epc, withCheckDigit } from './epc';

/** GS1 EPC Tag Data Standard 1.13, Appendix E.3 (see shared/fixtures/README.md). */
// GS1 EPC Tag Data Standard 1.13, Appendix E.3 (see fixtures/README.md).
const FIXTURE = resolve(__dirname, 'fixtures/gs1-tds-1.13-appendix-e3.csv');
const FIXTURE_HEADER = 'scheme,epc_hex,tag_uri,pure_identity_uri,gs1_element_string';

interface FixtureRow {
  scheme: string;
  hex: string;
  tagUri: string;
  pureIdentityUri: string;
  elementString: string;
}

function loadFixture(): FixtureRow[] {
  if (!existsSync(FIXTURE)) {
    throw new Error(`EPC fixture missing: ${FIXTURE}.`);
  }
  const [head, ...lines] = readFileSync(FIXTURE, 'utf8').trim().split(/\r?\n/);
  if (head !== FIXTURE_HEADER)
    throw new Error(`EPC fixture ${FIXTURE}: expected columns ${FIXTURE_HEADER}, got ${head}`);
  return lines.map((line) => {
    const [scheme, hex, tagUri, pureIdentityUri, elementString] = line.split(',');
    return { scheme, hex, tagUri, pureIdentityUri, elementString };
  });
}

const supported = (scheme: string) => (GS1_SCHEMES as readonly string[]).includes(scheme);

/**
 * Test-only encoder, written from the TDS coding tables: the tag URI back to 96-bit hex. If
 * decode-then-encode gives back the input, every field was read from the right bits and printed
 * with the right padding.
 */
function encodeTagUri(tagUri: string): string {
  const [, scheme, rest] = /^urn:epc:tag:([a-z]+-96):(.*)$/.exec(tagUri)!;
  const parts = rest.split('.');
  const fields: [bigint, number][] = [];
  if (scheme === 'gid-96') {
    fields.push([0x35n, 8], [BigInt(parts[0]), 28], [BigInt(parts[1]), 24], [BigInt(parts[2]), 36]);
  } else {
    const layout = {
      'sgtin-96': { header: 0x30n, shared: 44, tail: 38 },
      'sscc-96': { header: 0x31n, shared: 58, tail: 24 },
      'sgln-96': { header: 0x32n, shared: 41, tail: 41 },
      'grai-96': { header: 0x33n, shared: 44, tail: 38 },
      'giai-96': { header: 0x34n, shared: 82, tail: 0 },
    }[scheme]!;
    const [filter, prefix, reference, tail = '0'] = parts;
    const partition = 12 - prefix.length;
    const prefixBits = [40, 37, 34, 30, 27, 24, 20][partition];
    fields.push(
      [layout.header, 8],
      [BigInt(filter), 3],
      [BigInt(partition), 3],
      [BigInt(prefix), prefixBits],
      [BigInt(reference || '0'), layout.shared - prefixBits],
      [BigInt(tail), layout.tail],
    );
  }
  const value = fields.reduce((acc, [v, width]) => (acc << BigInt(width)) | v, 0n);
  return value.toString(16).toUpperCase().padStart(24, '0');
}

describe(decodeEpc.name, () => {
  const rows = loadFixture();

  describe('TDS 1.13 Appendix E.3 examples', () => {
    it('covers all six supported schemes', () => {
      expect(rows.filter((r) => supported(r.scheme)).map((r) => r.scheme)).toEqual([
        'sgtin-96',
        'sscc-96',
        'sgln-96',
        'grai-96',
        'giai-96',
        'gid-96',
      ]);
    });

    it.each(rows.filter((r) => supported(r.scheme)))('decodes $scheme exactly', (row) => {
      const sut = decodeEpc(row.hex);
      expect(sut).toMatchObject({
        kind: 'gs1',
        scheme: row.scheme,
        hex: row.hex,
        tagUri: row.tagUri,
        pureIdentityUri: row.pureIdentityUri,
        elementString: row.elementString === '' ? null : row.elementString,
      });
    });

    it.each(rows.filter((r) => !supported(r.scheme)))('reports $scheme as raw, naming the scheme', (row) => {
      const sut = decodeEpc(row.hex);
      expect(sut.kind).toBe('raw');
      expect(sut.kind === 'raw' && sut.reason.toLowerCase()).toContain(`unsupported epc scheme ${row.scheme}`);
    });
  });

  describe('fields', () => {
    it('splits an SGTIN-96 into filter, partition, company prefix, item reference, serial and GTIN', () => {
      expect(decodeEpc('3074257BF7194E4000001A85')).toEqual({
        kind: 'gs1',
        hex: '3074257BF7194E4000001A85',
        header: '30',
        scheme: 'sgtin-96',
        filter: 3,
        partition: 5,
        companyPrefix: '0614141',
        companyPrefixDigits: 7,
        fields: { itemReference: '812345', serial: '6789', gtin: '80614141123458' },
        tagUri: 'urn:epc:tag:sgtin-96:3.0614141.812345.6789',
        pureIdentityUri: 'urn:epc:id:sgtin:0614141.812345.6789',
        elementString: '(01) 80614141123458 (21) 6789',
      });
    });

    it('gives the GID-96 manager, class and serial, with no filter, partition or element string', () => {
      expect(decodeEpc('350007AB70425D4000000586')).toMatchObject({
        filter: null,
        partition: null,
        companyPrefix: null,
        fields: { generalManagerNumber: '31415', objectClass: '271828', serial: '1414' },
        elementString: null,
      });
    });

    it('omits (254) for an SGLN-96 whose extension is 0', () => {
      const sut = decodeEpc(encodeTagUri('urn:epc:tag:sgln-96:3.0614141.12345.0'));
      expect(sut).toMatchObject({
        pureIdentityUri: 'urn:epc:id:sgln:0614141.12345.0',
        elementString: '(414) 0614141123452',
      });
    });

    it('keeps an empty reference for a 12-digit company prefix (partition 0)', () => {
      const sut = decodeEpc(encodeTagUri('urn:epc:tag:grai-96:1.061414112345..77'));
      expect(sut).toMatchObject({
        partition: 0,
        fields: { assetType: '', serial: '77' },
        pureIdentityUri: 'urn:epc:id:grai:061414112345..77',
        elementString: '(8003) 0061414112345277',
      });
    });

    it('accepts lower-case hex and answers in upper case', () => {
      const sut = decodeEpc('3074257bf7194e4000001a85');
      expect(sut).toMatchObject({ kind: 'gs1', hex: '3074257BF7194E4000001A85' });
      expect(sut.kind === 'gs1' && sut.tagUri).toBe('urn:epc:tag:sgtin-96:3.0614141.812345.6789');
    });
  });

  describe('input that is not a supported GS1 EPC', () => {
    it.each([
      ['a TID copied into the EPC', 'E2801160600002054C6F2A11', /TID/],
      ['a test tag', '999900000000000000000001', /header 99 is not a GS1 EPC header/],
      ['an unprogrammed tag', '000000000000000000000000', /unprogrammed/],
      ['23 hex digits', '3074257BF7194E4000001A8', /SGTIN-96 needs 24 hex digits.*got 23/],
      ['26 hex digits', '3074257BF7194E4000001A85FF', /SGTIN-96 needs 24 hex digits.*got 26/],
      ['a single hex digit', '3', /too short/],
      ['partition 7', '301C257BF7194E4000001A85', /partition value 7/],
      ['SSCC-96 with unallocated bits set', '3174257BF4499602D2000001', /unallocated/],
      // Partition 0 gives 12 digits to the company prefix; 2^40 - 1 has 13.
      ['an SGTIN-96 company prefix too long', '3023FFFFFFFFFFC000000005', /company prefix 1099511627775 .* 12 digits/],
      ['an SGTIN-96 item reference too long', '302800095EFDFFC000000005', /item reference 1023 .* 3 digits/],
    ])('reports %s as raw with the reason', (_, hex, reason) => {
      const sut = decodeEpc(hex);
      expect(sut).toEqual({ kind: 'raw', hex, reason: expect.stringMatching(reason) });
    });

    it.each(['', 'xyz', '3074257BF7194E4000001A8G', '3074 257B', '3074257BF7194E4000001A\uFB00'])(
      'reports non-hex %j as raw',
      (hex) => {
        expect(decodeEpc(hex)).toEqual({ kind: 'raw', hex, reason: 'not hexadecimal' });
      },
    );
  });

  describe('any 96-bit value', () => {
    const headers = [0x30n, 0x31n, 0x32n, 0x33n, 0x34n, 0x35n];
    const epc96 = fc
      .oneof(
        fc.bigInt({ min: 0n, max: (1n << 96n) - 1n }),
        // Most random values have an unsupported header; bias towards the six schemes.
        fc
          .tuple(fc.constantFrom(...headers), fc.bigInt({ min: 0n, max: (1n << 88n) - 1n }))
          .map(([header, body]) => (header << 88n) | body),
        // SSCC-96 decodes only with its 24 unallocated bits zero: random bits almost never are.
        fc
          .tuple(fc.constantFrom(0x31n), fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }))
          .map(([header, body]) => (header << 88n) | (body << 24n)),
      )
      .map((v) => v.toString(16).padStart(24, '0'));

    it('never throws, and decodes to URIs that re-encode to the same bits', () => {
      const decoded = new Set<string>();
      fc.assert(
        fc.property(epc96, fc.boolean(), (hex, lower) => {
          const sut = decodeEpc(lower ? hex : hex.toUpperCase());
          expect(sut.hex).toBe(hex.toUpperCase());
          if (sut.kind === 'raw') return;
          decoded.add(sut.scheme);
          expect(encodeTagUri(sut.tagUri)).toBe(hex.toUpperCase());
          const pure = sut.tagUri
            .replace(/^urn:epc:tag:gid-96:/, 'urn:epc:id:gid:')
            .replace(/^urn:epc:tag:([a-z]+)-96:\d\./, 'urn:epc:id:$1:');
          expect(sut.pureIdentityUri).toBe(pure);
        }),
        { numRuns: 5000 },
      );
      // Guards against a generator that only ever produces raw results.
      expect([...decoded].sort()).toEqual([...GS1_SCHEMES].sort());
    });

    it('gives GS1 keys with their digit counts and a correct check digit', () => {
      const checked = (key: string) => withCheckDigit(key.slice(0, -1)) === key;
      fc.assert(
        fc.property(epc96, (hex) => {
          const sut = decodeEpc(hex);
          if (sut.kind === 'raw' || sut.scheme === 'gid-96') return;
          const { companyPrefix, fields } = sut as Gs1Epc & { companyPrefix: string };
          expect(companyPrefix.length).toBe(sut.companyPrefixDigits);
          expect(companyPrefix.length).toBeGreaterThanOrEqual(6);
          expect(companyPrefix.length).toBeLessThanOrEqual(12);
          switch (sut.scheme) {
            case 'sgtin-96':
              expect(companyPrefix.length + fields.itemReference.length).toBe(13);
              expect(fields.gtin).toMatch(/^\d{14}$/);
              expect(checked(fields.gtin)).toBe(true);
              break;
            case 'sscc-96':
              expect(companyPrefix.length + fields.serialReference.length).toBe(17);
              expect(checked(fields.sscc)).toBe(true);
              break;
            case 'sgln-96':
              expect(companyPrefix.length + fields.locationReference.length).toBe(12);
              expect(checked(fields.gln)).toBe(true);
              break;
            case 'grai-96':
              expect(companyPrefix.length + fields.assetType.length).toBe(12);
              expect(checked(fields.grai.slice(0, 14))).toBe(true);
              break;
            case 'giai-96':
              expect(fields.giai.length).toBeLessThanOrEqual(25);
              break;
          }
        }),
        { numRuns: 5000 },
      );
    });
  });
});
