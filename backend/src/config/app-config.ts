import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { plainToInstance, Transform } from 'class-transformer';
import {
  IsBoolean,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Matches,
  Max,
  Min,
  MinLength,
  validateSync,
} from 'class-validator';
import { loadOidcConfig, type OidcConfig } from './oidc-config';

export const PROCESS_ROLES = ['api', 'worker', 'all'] as const;
export type ProcessRole = (typeof PROCESS_ROLES)[number];

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
type LogLevel = (typeof LOG_LEVELS)[number];

// An empty variable (`PORT=`) counts as unset, as in most deployment tools.
const toInt = ({ value }: { value: unknown }): unknown =>
  typeof value === 'string' ? (value.trim() === '' ? undefined : Number(value)) : value;
const toBool = ({ value }: { value: unknown }): unknown => {
  if (typeof value !== 'string') return value;
  const v = value.trim().toLowerCase();
  if (v === '') return undefined;
  if (['1', 'true', 'yes', 'on'].includes(v)) return true;
  if (['0', 'false', 'no', 'off'].includes(v)) return false;
  return value; // left as a string: @IsBoolean reports it
};

/** The environment variables Wardtrack reads, validated once at start-up. */
class EnvironmentVariables {
  @IsOptional() @IsIn(PROCESS_ROLES) ROLE?: ProcessRole;
  @IsOptional() @Transform(toInt) @IsInt() @Min(0) @Max(65535) PORT?: number;
  @IsOptional() @IsString() HOST?: string;
  @IsOptional()
  @Matches(/^(https?:\/\/[^\s,/]+)(,\s*https?:\/\/[^\s,/]+)*$/, {
    message: 'CORS_ORIGINS must be a comma-separated list of origins like https://wardtrack.hospital.example',
  })
  CORS_ORIGINS?: string;
  @IsOptional()
  @Matches(/^postgres(ql)?:\/\//, { message: 'DATABASE_URL must be a postgres:// URL' })
  DATABASE_URL?: string;
  @IsOptional()
  @Matches(/^rediss?:\/\//, { message: 'REDIS_URL must be a redis:// or rediss:// URL' })
  REDIS_URL?: string;
  @IsOptional() @IsString() EMBEDDED_DATA_DIR?: string;
  @IsOptional() @IsString() @MinLength(1) AUTH_TOKEN_SECRET?: string;
  @IsOptional() @Transform(toInt) @IsInt() @Min(60) @Max(3600) AUTH_TOKEN_TTL_SECONDS?: number;
  @IsOptional() @Transform(toInt) @IsInt() @Min(300) @Max(7 * 86400) AUTH_SESSION_TTL_SECONDS?: number;
  @IsOptional() @IsIn(LOG_LEVELS) LOG_LEVEL?: LogLevel;
  @IsOptional() @IsString() FLOORPLANS_DIR?: string;
  @IsOptional() @IsString() FRONTEND_DIR?: string;
  @IsOptional()
  @Matches(/^[a-z0-9_-]{1,40}$/, { message: 'QUEUE_PREFIX must be 1-40 of a-z 0-9 _ -' })
  QUEUE_PREFIX?: string;
  @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(256) LOCATION_PARTITIONS?: number;
  @IsOptional() @Transform(toInt) @IsInt() @Min(5) @Max(7 * 86400) LOCATION_LOST_AFTER_SECONDS?: number;
  @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(100) DATABASE_POOL_SIZE?: number;
  @IsOptional() @Transform(toBool) @IsBoolean() DEMO_SIMULATOR?: boolean;
  @IsOptional() @Transform(toInt) @IsInt() @Min(30) @Max(7 * 86400) DEVICE_OFFLINE_AFTER_SECONDS?: number;
  @IsOptional() @Transform(toInt) @IsInt() @Min(0) @Max(86400) DEVICE_ONLINE_RESOLVE_SECONDS?: number;
  @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(3600) ALERT_EVALUATION_INTERVAL_SECONDS?: number;
  @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(10000) INGEST_MAX_READS?: number;
  @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(100000) INGEST_RATE_PER_DEVICE?: number;
  @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(100000) INGEST_BURST_PER_DEVICE?: number;
  @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(100000000) INGEST_MAX_BACKLOG?: number;
  @IsOptional()
  @Matches(/^(mqtts?|wss?|tcp|ssl):\/\/\S+$/, {
    message: 'MQTT_URL must be an mqtt://, mqtts://, ws:// or wss:// URL like mqtt://broker.hospital.example:1883',
  })
  MQTT_URL?: string;
  @IsOptional() @IsString() MQTT_USERNAME?: string;
  @IsOptional() @IsString() MQTT_PASSWORD?: string;
  @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(99) LOW_BATTERY_PERCENT?: number;
  @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(10000) LOW_BATTERY_MV?: number;
  @IsOptional() @IsString() @MinLength(1) METRICS_TOKEN?: string;
  @IsOptional() @Transform(toInt) @IsInt() @Min(0) @Max(36500) RETENTION_STAYS_DAYS?: number;
  @IsOptional() @Transform(toInt) @IsInt() @Min(0) @Max(36500) RETENTION_ALERTS_DAYS?: number;
  @IsOptional() @Transform(toInt) @IsInt() @Min(0) @Max(36500) RETENTION_LEDGER_DAYS?: number;
  @IsOptional() @Transform(toInt) @IsInt() @Min(0) @Max(36500) RETENTION_AUDIT_DAYS?: number;
}

/** Typed configuration injected wherever settings are needed; nothing else reads process.env. */
export interface AppConfig {
  role: ProcessRole;
  port: number;
  host: string;
  /** True when no DATABASE_URL was given: embedded PostgreSQL, embedded queue, demo data. Evaluation only. */
  embedded: boolean;
  database: { url: string | null; embeddedDataDir: string; poolSize: number };
  redis: { url: string | null };
  /** Access tokens are short-lived; the session (refresh token) lasts about a shift. */
  auth: { tokenSecret: string | null; tokenTtlSeconds: number; sessionTtlSeconds: number };
  /** Browser origins other than the API's own that may call it (the UI is served same-origin). */
  http: { corsOrigins: string[] };
  /** partitions: fixed number of tag-hash partitions (per-tag ordering); must be the same on every process. */
  queue: { prefix: string; partitions: number };
  location: { lostAfterMs: number };
  /** Per device: requests per second on average and at once (a reader catching up); queue backlog (batches) above which ingest answers 503. */
  ingest: { maxReadsPerBatch: number; ratePerDevice: number; burstPerDevice: number; maxBacklog: number };
  logLevel: LogLevel;
  floorplansDir: string;
  frontendDir: string;
  demo: { simulator: boolean };
  /**
   * A device silent longer than `deviceOfflineAfterSeconds` gets a device_offline alert, resolved once it has
   * been heard steadily for `deviceOnlineResolveSeconds`; the worker evaluates every `evaluationIntervalSeconds`.
   */
  alerts: {
    deviceOfflineAfterSeconds: number;
    deviceOnlineResolveSeconds: number;
    evaluationIntervalSeconds: number;
    /** A tag battery below either threshold gets a low_battery alert. */
    lowBatteryPercent: number;
    lowBatteryMv: number;
  };
  /** MQTT ingest: subscribe to each device's topic on this broker; off when url is null. */
  mqtt: { url: string | null; username: string | null; password: string | null };
  /** Prometheus: a bearer token a monitoring system may scrape GET /api/v1/metrics with (admins always may). */
  metrics: { token: string | null };
  /**
   * Days of history kept per table (0: forever); the worker purges older rows daily, and
   * `main.js retention` on demand. Audit: at least 30 days, through the audited purge function only.
   */
  retention: { staysDays: number; alertsDays: number; ledgerDays: number; auditDays: number };
  /** Single sign-on (OpenID Connect); null when OIDC_ISSUER is unset. */
  oidc: OidcConfig | null;
  version: string;
}

export const APP_CONFIG = Symbol('APP_CONFIG');

/** Raised when the environment is unusable; start-up prints the message and exits. */
export class ConfigError extends Error {}

const WEAK_SECRETS = new Set(['secret', 'changeme', 'change-me', 'password', 'wardtrack']);

/** A token secret is strong enough when it is long and not an obvious placeholder. */
export function isStrongSecret(secret: string): boolean {
  return secret.length >= 32 && !WEAK_SECRETS.has(secret.toLowerCase()) && new Set(secret).size >= 10;
}

/**
 * Reads and validates the environment. Throws ConfigError naming every bad variable,
 * so a misconfigured deployment fails at start-up rather than on the first request.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, repoRoot = resolve(__dirname, '../../..')): AppConfig {
  // An empty variable counts as unset (`DATABASE_URL=` in an env file means "not configured").
  const given = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v.trim() !== ''));
  const vars = plainToInstance(EnvironmentVariables, given, { excludeExtraneousValues: false });
  const errors = validateSync(vars, { skipMissingProperties: false, whitelist: false });
  if (errors.length > 0) {
    const lines = errors.map((e) => `  ${e.property}: ${Object.values(e.constraints ?? {}).join('; ')}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const oidc = loadOidcConfig(given);
  if (oidc.problems.length > 0) {
    throw new ConfigError(`Invalid configuration:\n${oidc.problems.map((p) => `  ${p}`).join('\n')}`);
  }
  const embedded = !vars.DATABASE_URL;
  const secret = vars.AUTH_TOKEN_SECRET ?? null;
  if (!embedded) {
    if (!secret) {
      throw new ConfigError('Invalid configuration:\n  AUTH_TOKEN_SECRET: required when DATABASE_URL is set');
    }
    if (!isStrongSecret(secret)) {
      throw new ConfigError(
        'Invalid configuration:\n  AUTH_TOKEN_SECRET: too weak (use at least 32 random characters, e.g. `openssl rand -base64 48`)',
      );
    }
  }
  // The audit log may be trimmed, never below 30 days (the database's purge function refuses less as well).
  if (vars.RETENTION_AUDIT_DAYS !== undefined && vars.RETENTION_AUDIT_DAYS > 0 && vars.RETENTION_AUDIT_DAYS < 30) {
    throw new ConfigError('Invalid configuration:\n  RETENTION_AUDIT_DAYS: 0 (keep forever) or at least 30');
  }
  if (!embedded && vars.METRICS_TOKEN !== undefined && !isStrongSecret(vars.METRICS_TOKEN)) {
    throw new ConfigError(
      'Invalid configuration:\n  METRICS_TOKEN: too weak (use at least 32 random characters, e.g. `openssl rand -base64 48`)',
    );
  }
  const version = (JSON.parse(readFileSync(resolve(repoRoot, 'package.json'), 'utf8')) as { version: string }).version;
  return {
    role: vars.ROLE ?? 'all',
    port: vars.PORT ?? 3000,
    // The evaluation setup ships well-known demo passwords: keep it on this machine unless told otherwise.
    host: vars.HOST ?? (embedded ? '127.0.0.1' : '0.0.0.0'),
    embedded,
    database: {
      url: vars.DATABASE_URL ?? null,
      embeddedDataDir: resolve(repoRoot, vars.EMBEDDED_DATA_DIR ?? 'data/pglite'),
      poolSize: embedded ? 1 : (vars.DATABASE_POOL_SIZE ?? 10),
    },
    redis: { url: vars.REDIS_URL ?? null },
    auth: {
      tokenSecret: secret,
      tokenTtlSeconds: vars.AUTH_TOKEN_TTL_SECONDS ?? 900,
      sessionTtlSeconds: vars.AUTH_SESSION_TTL_SECONDS ?? 12 * 3600,
    },
    http: {
      corsOrigins: (vars.CORS_ORIGINS ?? '')
        .split(',')
        .map((o) => o.trim())
        .filter(Boolean),
    },
    queue: { prefix: vars.QUEUE_PREFIX ?? 'wardtrack', partitions: vars.LOCATION_PARTITIONS ?? 4 },
    location: { lostAfterMs: (vars.LOCATION_LOST_AFTER_SECONDS ?? 600) * 1000 },
    ingest: {
      maxReadsPerBatch: vars.INGEST_MAX_READS ?? 2000,
      ratePerDevice: vars.INGEST_RATE_PER_DEVICE ?? 50,
      burstPerDevice: vars.INGEST_BURST_PER_DEVICE ?? 200,
      maxBacklog: vars.INGEST_MAX_BACKLOG ?? 100_000,
    },
    logLevel: vars.LOG_LEVEL ?? 'info',
    floorplansDir: resolve(repoRoot, vars.FLOORPLANS_DIR ?? 'floorplans'),
    frontendDir: resolve(repoRoot, vars.FRONTEND_DIR ?? 'dist/frontend/browser'),
    demo: { simulator: vars.DEMO_SIMULATOR ?? embedded },
    alerts: {
      deviceOfflineAfterSeconds: vars.DEVICE_OFFLINE_AFTER_SECONDS ?? 300,
      deviceOnlineResolveSeconds: vars.DEVICE_ONLINE_RESOLVE_SECONDS ?? 120,
      evaluationIntervalSeconds: vars.ALERT_EVALUATION_INTERVAL_SECONDS ?? 30,
      lowBatteryPercent: vars.LOW_BATTERY_PERCENT ?? 20,
      lowBatteryMv: vars.LOW_BATTERY_MV ?? 2500,
    },
    mqtt: {
      url: vars.MQTT_URL ?? null,
      username: vars.MQTT_USERNAME ?? null,
      password: vars.MQTT_PASSWORD ?? null,
    },
    metrics: { token: vars.METRICS_TOKEN ?? null },
    retention: {
      staysDays: vars.RETENTION_STAYS_DAYS ?? 365,
      alertsDays: vars.RETENTION_ALERTS_DAYS ?? 365,
      ledgerDays: vars.RETENTION_LEDGER_DAYS ?? 7,
      auditDays: vars.RETENTION_AUDIT_DAYS ?? 0,
    },
    oidc: oidc.config,
    version,
  };
}
