import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Device API keys: `wtd_<prefix>_<secret>`, 256 bits from the CSPRNG. The prefix finds the
 * device row; only the SHA-256 of the whole key is stored. A fast hash is right here (unlike
 * passwords): the key has full entropy, so there is nothing to brute-force, and it is checked
 * on every ingest request.
 */
export interface IssuedKey {
  key: string;
  prefix: string;
  hash: string;
}

const KEY_PATTERN = /^wtd_([a-z0-9]{12})_([A-Za-z0-9_-]{43})$/;

export function issueDeviceKey(): IssuedKey {
  const prefix = randomBytes(8).toString('hex').slice(0, 12);
  const secret = randomBytes(32).toString('base64url');
  const key = `wtd_${prefix}_${secret}`;
  return { key, prefix, hash: hashDeviceKey(key) };
}

export function hashDeviceKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

/** The lookup prefix of a well-formed key, or null. */
export function prefixOf(key: string): string | null {
  return KEY_PATTERN.exec(key)?.[1] ?? null;
}

export function keyMatches(key: string, storedHash: string): boolean {
  const a = Buffer.from(hashDeviceKey(key), 'hex');
  const b = Buffer.from(storedHash, 'hex');
  return a.length === b.length && timingSafeEqual(a, b);
}
