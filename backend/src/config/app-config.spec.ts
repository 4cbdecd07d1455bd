import * as path from 'node:path';
import { ConfigError, isStrongSecret, loadConfig } from './app-config';

const REPO_ROOT = path.resolve(__dirname, '../../..');
const STRONG_SECRET = 'q8Vz2LmN4pR7tX1wY6bK9cD3fG5hJ0sA';
const DATABASE_URL = 'postgres://wardtrack:pw@db.hospital.local:5432/wardtrack';

function configError(env: NodeJS.ProcessEnv): ConfigError {
  try {
    loadConfig(env, REPO_ROOT);
  } catch (e) {
    if (e instanceof ConfigError) return e;
    throw e;
  }
  throw new Error('expected a ConfigError');
}

describe(loadConfig.name, () => {
  it('runs the embedded evaluation setup, local only, when nothing is configured', () => {
    const sut = loadConfig({}, REPO_ROOT);

    expect(sut).toMatchObject({
      embedded: true,
      role: 'all',
      port: 3000,
      host: '127.0.0.1',
      database: { url: null, poolSize: 1, embeddedDataDir: path.join(REPO_ROOT, 'data/pglite') },
      redis: { url: null },
      auth: { tokenSecret: null },
      demo: { simulator: true },
    });
    expect(sut.version).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('refuses a production database without a token secret, naming AUTH_TOKEN_SECRET', () => {
    const sut = configError({ DATABASE_URL });

    expect(sut.message).toContain('AUTH_TOKEN_SECRET');
  });

  it.each([
    ['a placeholder', 'changeme'],
    ['20 random characters', 'aZ3kP9qL2xW7mN4bV8cT'],
    ['32 characters of few symbols', 'abababababababababababababababab'],
  ])('refuses %s as the token secret', (_label, secret) => {
    const sut = configError({ DATABASE_URL, AUTH_TOKEN_SECRET: secret });

    expect(sut.message).toMatch(/AUTH_TOKEN_SECRET: too weak/);
  });

  it('starts against a production database with a strong secret, listening on all interfaces', () => {
    const sut = loadConfig({ DATABASE_URL, AUTH_TOKEN_SECRET: STRONG_SECRET }, REPO_ROOT);

    expect(sut).toMatchObject({
      embedded: false,
      host: '0.0.0.0',
      database: { url: DATABASE_URL, poolSize: 10 },
      auth: { tokenSecret: STRONG_SECRET },
      demo: { simulator: false },
    });
  });

  it('takes role, port, host and redis from the environment', () => {
    const sut = loadConfig(
      {
        DATABASE_URL,
        AUTH_TOKEN_SECRET: STRONG_SECRET,
        ROLE: 'worker',
        PORT: '8080',
        HOST: '10.0.0.5',
        REDIS_URL: 'rediss://cache:6380',
      },
      REPO_ROOT,
    );

    expect(sut).toMatchObject({ role: 'worker', port: 8080, host: '10.0.0.5', redis: { url: 'rediss://cache:6380' } });
  });

  it.each([
    ['ROLE', { ROLE: 'scheduler' }],
    ['PORT', { PORT: 'eighty' }],
    ['PORT', { PORT: '70000' }],
    ['REDIS_URL', { REDIS_URL: 'http://cache:6379' }],
    ['DATABASE_URL', { DATABASE_URL: 'mysql://db/wardtrack' }],
  ])('refuses an invalid %s, naming it', (name, env) => {
    const sut = configError(env);

    expect(sut.message).toContain(`${name}:`);
  });

  it('names every bad variable in one message', () => {
    const sut = configError({ ROLE: 'scheduler', PORT: 'eighty', REDIS_URL: 'http://cache:6379' });

    expect(sut.message).toMatch(/^Invalid configuration:/);
    expect(sut.message).toContain('ROLE:');
    expect(sut.message).toContain('PORT:');
    expect(sut.message).toContain('REDIS_URL: REDIS_URL must be a redis:// or rediss:// URL');
  });

  it.each([
    ['false', false],
    ['0', false],
    ['true', true],
    ['YES', true],
  ])('reads DEMO_SIMULATOR=%s', (value, expected) => {
    const sut = loadConfig({ DEMO_SIMULATOR: value }, REPO_ROOT);

    expect(sut.demo.simulator).toBe(expected);
  });

  it('can turn the demo simulator on against a production database', () => {
    const sut = loadConfig({ DATABASE_URL, AUTH_TOKEN_SECRET: STRONG_SECRET, DEMO_SIMULATOR: 'on' }, REPO_ROOT);

    expect(sut.demo.simulator).toBe(true);
  });
});

describe(isStrongSecret.name, () => {
  it.each([
    ['32 varied characters', STRONG_SECRET, true],
    [
      'a base64 secret from openssl rand -base64 48',
      'Xk3m9Qp2Lr8Vt5Wn1Yb7Zc4Ad6Ef0Gh+Ij/KlMnOpQrStUvWxYz0123456789ab',
      true,
    ],
    ['31 varied characters', STRONG_SECRET.slice(0, 31), false],
    ['a placeholder', 'changeme', false],
    ['a long repeated character', 'a'.repeat(64), false],
    ['long but only nine distinct characters', '123456789'.repeat(5), false],
    ['empty', '', false],
  ])('%s -> %s', (_label, secret, expected) => {
    expect(isStrongSecret(secret)).toBe(expected);
  });
});

describe('loadConfig with sloppy values', () => {
  it('treats an empty variable as unset', () => {
    expect(loadConfig({ PORT: '', DEMO_SIMULATOR: '' }, REPO_ROOT)).toMatchObject({
      port: 3000,
      demo: { simulator: true },
    });
  });

  it('refuses a yes/no setting it cannot read instead of guessing', () => {
    expect(() => loadConfig({ DEMO_SIMULATOR: 'nonsense' }, REPO_ROOT)).toThrow(/DEMO_SIMULATOR/);
  });
});

describe('loadConfig with empty connection settings', () => {
  it('runs on embedded defaults when DATABASE_URL and REDIS_URL are set but empty', () => {
    expect(loadConfig({ DATABASE_URL: '', REDIS_URL: ' ' }, REPO_ROOT)).toMatchObject({
      embedded: true,
      database: { url: null },
      redis: { url: null },
    });
  });
});

describe('loadConfig for monitoring and retention', () => {
  it('refuses a weak METRICS_TOKEN on a production database, but takes any on embedded defaults', () => {
    expect(
      configError({ DATABASE_URL, AUTH_TOKEN_SECRET: STRONG_SECRET, METRICS_TOKEN: 'prometheus' }).message,
    ).toMatch(/METRICS_TOKEN: too weak/);
    expect(loadConfig({ METRICS_TOKEN: 'prometheus' }, REPO_ROOT).metrics.token).toBe('prometheus');
    expect(
      loadConfig({ DATABASE_URL, AUTH_TOKEN_SECRET: STRONG_SECRET, METRICS_TOKEN: STRONG_SECRET }, REPO_ROOT).metrics,
    ).toEqual({ token: STRONG_SECRET });
  });

  it('keeps history for a year, the ledger for a week and the audit log forever unless told otherwise', () => {
    expect(loadConfig({}, REPO_ROOT).retention).toEqual({
      staysDays: 365,
      alertsDays: 365,
      ledgerDays: 7,
      auditDays: 0,
    });
    expect(
      loadConfig({ RETENTION_STAYS_DAYS: '90', RETENTION_AUDIT_DAYS: '2555', RETENTION_LEDGER_DAYS: '0' }, REPO_ROOT)
        .retention,
    ).toMatchObject({ staysDays: 90, auditDays: 2555, ledgerDays: 0 });
  });

  it('never trims the audit log to less than 30 days', () => {
    expect(configError({ RETENTION_AUDIT_DAYS: '7' }).message).toMatch(
      /RETENTION_AUDIT_DAYS: 0 \(keep forever\) or at least 30/,
    );
    expect(configError({ RETENTION_STAYS_DAYS: '-1' }).message).toMatch(/RETENTION_STAYS_DAYS/);
  });
});
