import { hashDeviceKey, issueDeviceKey, keyMatches, prefixOf } from './device-key';

const KEY_FORMAT = /^wtd_[a-z0-9]{12}_[A-Za-z0-9_-]{43}$/;

describe(issueDeviceKey.name, () => {
  it('issues keys of the documented form wtd_<12>_<43>', () => {
    const sut = issueDeviceKey();

    expect(sut.key).toMatch(KEY_FORMAT);
    expect(sut.key.startsWith(`wtd_${sut.prefix}_`)).toBe(true);
  });

  it('never issues the same key or prefix twice in 1000 issues', () => {
    const issued = Array.from({ length: 1000 }, () => issueDeviceKey());

    expect(issued.every((k) => KEY_FORMAT.test(k.key))).toBe(true);
    expect(new Set(issued.map((k) => k.key)).size).toBe(1000);
    expect(new Set(issued.map((k) => k.prefix)).size).toBe(1000);
  });

  it('stores a hash, never the key itself', () => {
    const sut = issueDeviceKey();

    expect(sut.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(sut.hash).not.toContain(sut.key);
    expect(sut.hash).not.toContain(sut.key.split('_').pop());
    expect(sut.hash).toBe(hashDeviceKey(sut.key));
  });
});

describe(prefixOf.name, () => {
  it('extracts the lookup prefix of an issued key', () => {
    const sut = issueDeviceKey();

    expect(prefixOf(sut.key)).toBe(sut.prefix);
  });

  it.each([
    ['empty', ''],
    ['wrong scheme', `wtk_abcdef123456_${'a'.repeat(43)}`],
    ['short prefix', `wtd_abcdef12345_${'a'.repeat(43)}`],
    ['upper-case prefix', `wtd_ABCDEF123456_${'a'.repeat(43)}`],
    ['short secret', `wtd_abcdef123456_${'a'.repeat(42)}`],
    ['long secret', `wtd_abcdef123456_${'a'.repeat(44)}`],
    ['padding in secret', `wtd_abcdef123456_${'a'.repeat(42)}=`],
    ['bearer prefix left on', `Bearer wtd_abcdef123456_${'a'.repeat(43)}`],
    ['trailing newline', `wtd_abcdef123456_${'a'.repeat(43)}\n`],
  ])('rejects a malformed key (%s)', (_label, key) => {
    expect(prefixOf(key)).toBeNull();
  });
});

describe(keyMatches.name, () => {
  it('accepts the key that was issued', () => {
    const sut = issueDeviceKey();

    expect(keyMatches(sut.key, sut.hash)).toBe(true);
  });

  it('refuses a key that differs in one character', () => {
    const sut = issueDeviceKey();
    const last = sut.key.at(-1)!;
    const tampered = sut.key.slice(0, -1) + (last === 'A' ? 'B' : 'A');

    expect(keyMatches(tampered, sut.hash)).toBe(false);
  });

  it("refuses another device's key", () => {
    const mine = issueDeviceKey();
    const theirs = issueDeviceKey();

    expect(keyMatches(theirs.key, mine.hash)).toBe(false);
  });

  it('refuses when the stored hash is malformed', () => {
    const sut = issueDeviceKey();

    expect(keyMatches(sut.key, '')).toBe(false);
    expect(keyMatches(sut.key, sut.hash.slice(0, 62))).toBe(false);
  });
});
