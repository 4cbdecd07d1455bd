/*
 * GS1 EPC binary decoding (EPC Tag Data Standard 1.13, sections 14.3-14.5) for the 96-bit schemes
 * found on hospital asset and supply tags: SGTIN-96, SSCC-96, SGLN-96, GRAI-96, GIAI-96, GID-96.
 *
 * Library decision: our own decoder, not epc-tds@1.4.1. Run against the TDS 1.13 Appendix E.3
 * fixture (shared/fixtures/epc), epc-tds gets the tag and pure identity URIs of the six 96-bit rows
 * right, but:
 *  - it has no GS1 element string: toBarcode() gives the bare key (no AIs, no (21) serial, no SGLN
 *    (254) extension) and drops GRAI's leading "0" (06141411234525678 for (8003) 006141411234525678);
 *  - it misdecodes rows it claims to support: SGLN-195 and GRAI-170 come out with company prefix
 *    13669871 and serial "K~"; SGTIN-198 and GIAI-202 URIs are not percent-escaped ("32a/b");
 *  - it does not reject garbage: 23 hex digits decode to a nonsense SGTIN, digits past 24 are
 *    ignored, partition 7 throws a TypeError, and an SGTIN-96 whose company prefix overflows its
 *    12 digits decodes to a 13-digit prefix instead of being refused as the TDS requires.
 * The six schemes are a partition table and a few integers each, so a small BigInt decoder of our
 * own (written from the TDS, not from epc-tds) is cheaper than wrapping and patching it.
 */

/** The EPC schemes this decoder turns into GS1 identities (lower case, as in the tag URI). */
export const GS1_SCHEMES = ['sgtin-96', 'sscc-96', 'sgln-96', 'grai-96', 'giai-96', 'gid-96'] as const;
export type Gs1Scheme = (typeof GS1_SCHEMES)[number];

/** A decoded GS1 EPC. */
export interface Gs1Epc {
  kind: 'gs1';
  /** The EPC as upper-case hex. */
  hex: string;
  /** First byte, two upper-case hex digits (30 for SGTIN-96). */
  header: string;
  scheme: Gs1Scheme;
  /** Filter value 0-7 (what the tagged thing is, e.g. 3 = single shipping item); null for GID-96. */
  filter: number | null;
  /** Partition value 0-6; null for GID-96, which has no partition. */
  partition: number | null;
  /** GS1 company prefix with its leading zeros; null for GID-96. */
  companyPrefix: string | null;
  /** How many digits the partition gives the company prefix (6-12); null for GID-96. */
  companyPrefixDigits: number | null;
  /** The scheme's other fields as they appear in the URIs, plus the GS1 key they form (gtin, sscc, gln, grai, giai). */
  fields: Record<string, string>;
  /** e.g. urn:epc:tag:sgtin-96:3.0614141.812345.6789 */
  tagUri: string;
  /** e.g. urn:epc:id:sgtin:0614141.812345.6789 */
  pureIdentityUri: string;
  /** e.g. (01) 80614141123458 (21) 6789; null for GID-96, which has no GS1 element string. */
  elementString: string | null;
}

/** Anything that is not one of the supported GS1 EPCs, with the reason it was not decoded. */
export interface RawEpc {
  kind: 'raw';
  hex: string;
  reason: string;
}

export type DecodedEpc = Gs1Epc | RawEpc;

const EPC_96_HEX_DIGITS = 24;

/** Headers (TDS table 14-1) of EPC schemes we recognise but do not decode. */
const UNSUPPORTED_HEADERS: Readonly<Record<number, string>> = {
  0x2c: 'GDTI-96',
  0x2d: 'GSRN-96',
  0x2e: 'GSRNP-96',
  0x2f: 'USDOD-96',
  0x36: 'SGTIN-198',
  0x37: 'GRAI-170',
  0x38: 'GIAI-202',
  0x39: 'SGLN-195',
  0x3a: 'GDTI-113',
  0x3b: 'ADI-var',
  0x3c: 'CPI-96',
  0x3d: 'CPI-var',
  0x3e: 'GDTI-174',
  0x3f: 'SGCN-96',
  0x40: 'ITIP-110',
  0x41: 'ITIP-212',
};

/** Company prefix bits by partition value; the prefix has 12 - partition digits. */
const COMPANY_PREFIX_BITS = [40, 37, 34, 30, 27, 24, 20] as const;

/** Reads an unsigned big-endian bit string field by field. */
class BitReader {
  private remaining: number;

  constructor(
    private readonly value: bigint,
    totalBits: number,
  ) {
    this.remaining = totalBits;
  }

  take(width: number): bigint {
    this.remaining -= width;
    return (this.value >> BigInt(this.remaining)) & ((1n << BigInt(width)) - 1n);
  }
}

/** The part of a partitioned scheme after the header: the company prefix and the field it shares bits with. */
interface PartitionLayout {
  label: string;
  /** Bits and digits shared by the company prefix and the reference. */
  bits: number;
  digits: number;
  referenceName: string;
  /** Zero-padded to its digit count (partition table) or a plain integer (unpadded partition table, GIAI). */
  padded: boolean;
}

interface Partitioned {
  filter: number;
  partition: number;
  companyPrefix: string;
  reference: string;
}

function readPartitioned(bits: BitReader, layout: PartitionLayout): Partitioned | string {
  const filter = Number(bits.take(3));
  const partition = Number(bits.take(3));
  if (partition >= COMPANY_PREFIX_BITS.length) {
    return `${layout.label}: partition value ${partition} is not in the partition table (0-6)`;
  }
  const prefixBits = COMPANY_PREFIX_BITS[partition];
  const prefixDigits = 12 - partition;
  const prefix = bits.take(prefixBits);
  if (prefix >= 10n ** BigInt(prefixDigits)) {
    return `${layout.label}: company prefix ${prefix} does not fit the ${prefixDigits} digits of partition ${partition}`;
  }
  const referenceDigits = layout.digits - prefixDigits;
  const reference = bits.take(layout.bits - prefixBits);
  if (reference >= 10n ** BigInt(referenceDigits)) {
    return `${layout.label}: ${layout.referenceName} ${reference} does not fit the ${referenceDigits} digits of partition ${partition}`;
  }
  return {
    filter,
    partition,
    companyPrefix: padDigits(prefix, prefixDigits),
    reference: layout.padded ? padDigits(reference, referenceDigits) : reference.toString(),
  };
}

function padDigits(value: bigint, digits: number): string {
  return digits === 0 ? '' : value.toString().padStart(digits, '0');
}

/** Appends the GS1 mod-10 check digit (weights 3,1,3,... from the right). */
export function withCheckDigit(digits: string): string {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    sum += Number(digits[digits.length - 1 - i]) * (i % 2 === 0 ? 3 : 1);
  }
  return `${digits}${(10 - (sum % 10)) % 10}`;
}

function gs1(
  hex: string,
  scheme: Exclude<Gs1Scheme, 'gid-96'>,
  p: Partitioned,
  fields: Record<string, string>,
  uriBody: string,
  elementString: string,
): Gs1Epc {
  return {
    kind: 'gs1',
    hex,
    header: hex.slice(0, 2),
    scheme,
    filter: p.filter,
    partition: p.partition,
    companyPrefix: p.companyPrefix,
    companyPrefixDigits: p.companyPrefix.length,
    fields,
    tagUri: `urn:epc:tag:${scheme}:${p.filter}.${uriBody}`,
    pureIdentityUri: `urn:epc:id:${scheme.replace('-96', '')}:${uriBody}`,
    elementString,
  };
}

type SchemeDecoder = (bits: BitReader, hex: string) => Gs1Epc | string;

const DECODERS: ReadonlyMap<number, { label: string; decode: SchemeDecoder }> = new Map([
  [
    0x30,
    {
      label: 'SGTIN-96',
      decode: (bits, hex) => {
        const p = readPartitioned(bits, {
          label: 'SGTIN-96',
          bits: 44,
          digits: 13,
          referenceName: 'item reference',
          padded: true,
        });
        if (typeof p === 'string') return p;
        const serial = bits.take(38).toString();
        // The item reference field starts with the GTIN's indicator digit.
        const gtin = withCheckDigit(p.reference.slice(0, 1) + p.companyPrefix + p.reference.slice(1));
        return gs1(
          hex,
          'sgtin-96',
          p,
          { itemReference: p.reference, serial, gtin },
          `${p.companyPrefix}.${p.reference}.${serial}`,
          `(01) ${gtin} (21) ${serial}`,
        );
      },
    },
  ],
  [
    0x31,
    {
      label: 'SSCC-96',
      decode: (bits, hex) => {
        const p = readPartitioned(bits, {
          label: 'SSCC-96',
          bits: 58,
          digits: 17,
          referenceName: 'serial reference',
          padded: true,
        });
        if (typeof p === 'string') return p;
        // The last 24 bits are unallocated and encoded as zero; anything else is not an SSCC-96 we can vouch for.
        if (bits.take(24) !== 0n) return 'SSCC-96: the 24 unallocated bits are not zero';
        const sscc = withCheckDigit(p.reference.slice(0, 1) + p.companyPrefix + p.reference.slice(1));
        return gs1(
          hex,
          'sscc-96',
          p,
          { serialReference: p.reference, sscc },
          `${p.companyPrefix}.${p.reference}`,
          `(00) ${sscc}`,
        );
      },
    },
  ],
  [
    0x32,
    {
      label: 'SGLN-96',
      decode: (bits, hex) => {
        const p = readPartitioned(bits, {
          label: 'SGLN-96',
          bits: 41,
          digits: 12,
          referenceName: 'location reference',
          padded: true,
        });
        if (typeof p === 'string') return p;
        const extension = bits.take(41);
        const gln = withCheckDigit(p.companyPrefix + p.reference);
        // Extension 0 means "the GLN itself": the TDS writes no (254) for it.
        return gs1(
          hex,
          'sgln-96',
          p,
          { locationReference: p.reference, extension: extension.toString(), gln },
          `${p.companyPrefix}.${p.reference}.${extension}`,
          extension === 0n ? `(414) ${gln}` : `(414) ${gln} (254) ${extension}`,
        );
      },
    },
  ],
  [
    0x33,
    {
      label: 'GRAI-96',
      decode: (bits, hex) => {
        const p = readPartitioned(bits, {
          label: 'GRAI-96',
          bits: 44,
          digits: 12,
          referenceName: 'asset type',
          padded: true,
        });
        if (typeof p === 'string') return p;
        const serial = bits.take(38).toString();
        const grai = `0${withCheckDigit(p.companyPrefix + p.reference)}${serial}`;
        return gs1(
          hex,
          'grai-96',
          p,
          { assetType: p.reference, serial, grai },
          `${p.companyPrefix}.${p.reference}.${serial}`,
          `(8003) ${grai}`,
        );
      },
    },
  ],
  [
    0x34,
    {
      label: 'GIAI-96',
      decode: (bits, hex) => {
        const p = readPartitioned(bits, {
          label: 'GIAI-96',
          bits: 82,
          digits: 25,
          referenceName: 'individual asset reference',
          padded: false,
        });
        if (typeof p === 'string') return p;
        const giai = p.companyPrefix + p.reference;
        return gs1(
          hex,
          'giai-96',
          p,
          { individualAssetReference: p.reference, giai },
          `${p.companyPrefix}.${p.reference}`,
          `(8004) ${giai}`,
        );
      },
    },
  ],
  [
    0x35,
    {
      label: 'GID-96',
      decode: (bits, hex) => {
        const generalManagerNumber = bits.take(28).toString();
        const objectClass = bits.take(24).toString();
        const serial = bits.take(36).toString();
        const body = `${generalManagerNumber}.${objectClass}.${serial}`;
        return {
          kind: 'gs1',
          hex,
          header: hex.slice(0, 2),
          scheme: 'gid-96',
          filter: null,
          partition: null,
          companyPrefix: null,
          companyPrefixDigits: null,
          fields: { generalManagerNumber, objectClass, serial },
          tagUri: `urn:epc:tag:gid-96:${body}`,
          pureIdentityUri: `urn:epc:id:gid:${body}`,
          elementString: null,
        };
      },
    },
  ],
]);

function unknownHeaderReason(header: number, headerHex: string): string {
  const unsupported = UNSUPPORTED_HEADERS[header];
  if (unsupported) return `unsupported EPC scheme ${unsupported} (header ${headerHex})`;
  if (header === 0x00) return 'header 00: unprogrammed tag';
  if (header === 0xe2) {
    // E2 is the allocation class that starts a GS1 tag's TID; readers and encoders sometimes copy the TID into the EPC.
    return 'header E2 is not an EPC header: this looks like a tag TID (allocation class E2) copied into the EPC';
  }
  return `header ${headerHex} is not a GS1 EPC header`;
}

/**
 * Decodes an EPC given as hex (either case). Never throws: anything that is not a well-formed
 * SGTIN-96, SSCC-96, SGLN-96, GRAI-96, GIAI-96 or GID-96 comes back as `raw` with the reason.
 */
export function decodeEpc(hex: string): DecodedEpc {
  if (!/^[0-9A-Fa-f]+$/.test(hex)) return { kind: 'raw', hex, reason: 'not hexadecimal' };
  const upper = hex.toUpperCase();
  const raw = (reason: string): RawEpc => ({ kind: 'raw', hex: upper, reason });
  if (upper.length < 2) return raw('too short to hold an EPC header (2 hex digits)');
  const headerHex = upper.slice(0, 2);
  const header = parseInt(headerHex, 16);
  const scheme = DECODERS.get(header);
  if (!scheme) return raw(unknownHeaderReason(header, headerHex));
  if (upper.length !== EPC_96_HEX_DIGITS) {
    return raw(`${scheme.label} needs ${EPC_96_HEX_DIGITS} hex digits (96 bits), got ${upper.length}`);
  }
  const bits = new BitReader(BigInt(`0x${upper}`), 96);
  bits.take(8);
  const decoded = scheme.decode(bits, upper);
  return typeof decoded === 'string' ? raw(decoded) : decoded;
}
