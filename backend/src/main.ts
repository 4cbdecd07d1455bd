import 'reflect-metadata';
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ValidationPipe } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import fastifyMultipart from '@fastify/multipart';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { LogController } from 'fastify';
import type { Logger } from 'pino';
import { AppModule } from './app.module';
import { AuditService } from './audit/audit.service';
import { User } from './auth/user.entity';
import { SessionsService } from './auth/sessions.service';
import { UsersService } from './auth/users.service';
import { applyHttpHardening, INGEST_BODY_LIMIT, logRequests } from './common/http-hardening';
import { HttpExceptionFilter } from './common/http-exception.filter';
import { createLogger, PinoNestLogger } from './common/logger';
import { type AppConfig, ConfigError, loadConfig } from './config/app-config';
import { EmbeddedPostgres } from './database/embedded-postgres';
import { openDatabase } from './database/data-source';
import { DemoService } from './demo/demo.service';
import { PLAN_MAX_BYTES } from './facility/plan-upload';
import { MetricsService } from './metrics/metrics.service';
import { runOperationsCommand } from './operations/commands';
import { registerIngestBodyParsers } from './ingest/body-parsers';

const REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;

/** The embedded setup keeps a random token secret beside its data, so sign-ins survive restarts. */
function embeddedTokenSecret(config: AppConfig): string {
  const file = join(dirname(config.database.embeddedDataDir), 'token-secret');
  if (!existsSync(file)) {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, randomBytes(48).toString('base64url'), { mode: 0o600 });
  }
  return readFileSync(file, 'utf8').trim();
}

export async function createApp(config: AppConfig, logger: Logger): Promise<NestFastifyApplication> {
  const adapter = new FastifyAdapter({
    loggerInstance: logger,
    // Honour a caller's request id (a reverse proxy's), otherwise make one; it is in every log line and error.
    genReqId: (req: { headers: Record<string, string | string[] | undefined> }) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    },
    bodyLimit: INGEST_BODY_LIMIT,
    trustProxy: true,
    // One line per request is logged by logRequests() instead: ingest, which readers call many
    // times a second, is logged at debug unless it fails.
    logController: new LogController({ disableRequestLogging: true }),
  });
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(config, logger), adapter, {
    logger: new PinoNestLogger(logger),
  });
  registerIngestBodyParsers(app.getHttpAdapter().getInstance());
  logRequests(app.getHttpAdapter().getInstance());
  // Floor plan uploads (PUT /floors/{id}/plan) are the only multipart route: one file of at most 5 MiB.
  // Not awaited: awaiting loads the plugins queued so far, before Nest adds its own JSON parser.
  void app.register(fastifyMultipart, { limits: { fileSize: PLAN_MAX_BYTES, files: 1, fields: 10 } });
  app
    .getHttpAdapter()
    .getInstance()
    .addHook('onSend', async (request, reply) => {
      void reply.header('x-request-id', request.id);
    });
  applyHttpHardening(app.getHttpAdapter().getInstance());
  if (config.http.corsOrigins.length > 0) {
    app.enableCors({
      origin: config.http.corsOrigins,
      credentials: false,
      maxAge: 600,
      exposedHeaders: ['Retry-After', 'X-Request-Id'],
    });
  }
  app.setGlobalPrefix('api/v1');
  app.useGlobalPipes(new ValidationPipe({ whitelist: true, forbidNonWhitelisted: true, transform: true }));
  app.useGlobalFilters(
    new HttpExceptionFilter(config.role !== 'worker' ? config.frontendDir : null, app.get(MetricsService)),
  );
  if (config.role !== 'worker') {
    const document = SwaggerModule.createDocument(
      app,
      new DocumentBuilder()
        .setTitle('Wardtrack API')
        .setDescription('Hospital asset and supply tracking (RFID / BLE real-time location)')
        .setVersion(config.version)
        .addBearerAuth()
        .addApiKey({ type: 'apiKey', in: 'header', name: 'X-Api-Key' }, 'device-key')
        .build(),
    );
    SwaggerModule.setup('api/docs', app, document, { jsonDocumentUrl: 'api/docs-json' });
    if (existsSync(join(config.frontendDir, 'index.html'))) {
      app.useStaticAssets({ root: config.frontendDir, prefix: '/', wildcard: false });
    } else {
      logger.warn({ dir: config.frontendDir }, 'frontend not built; serving the API only');
    }
  }
  return app;
}

/** `main.js create-admin <email> [name]`: the first administrator of a real installation (password from the environment). */
async function createAdmin(config: AppConfig, email: string | undefined, name: string | undefined): Promise<void> {
  const password = process.env.WARDTRACK_ADMIN_PASSWORD ?? '';
  if (!email || password.length < 12) {
    throw new ConfigError(
      'usage: WARDTRACK_ADMIN_PASSWORD=<12+ characters> node dist/backend/main.js create-admin <email> [display name]',
    );
  }
  const dataSource = await openDatabase(config.database.url!, config.database.poolSize);
  try {
    const users = new UsersService(
      dataSource.getRepository(User),
      new AuditService(dataSource),
      new SessionsService(dataSource, config),
    );
    const actor = { type: 'system' as const, id: null, label: 'create-admin command', requestId: null };
    const user = await users.create(actor, { email, displayName: name ?? email, role: 'admin', password });
    process.stdout.write(`Created admin ${user.email} (${user.id})\n`);
  } finally {
    await dataSource.destroy();
  }
}

async function main(): Promise<void> {
  let config: AppConfig;
  try {
    config = loadConfig();
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`${e.message}\n`);
      process.exit(1);
    }
    throw e;
  }
  const logger = createLogger(config.logLevel, config.role);
  let embedded: EmbeddedPostgres | undefined;
  if (config.embedded) {
    embedded = await EmbeddedPostgres.start(config.database.embeddedDataDir, logger);
    config.database.url = embedded.url;
    config.auth.tokenSecret ??= embeddedTokenSecret(config);
  }
  if (process.argv[2] === 'create-admin') {
    await createAdmin(config, process.argv[3], process.argv[4]);
    await embedded?.stop();
    return;
  }
  // Operations commands (export, import, retention): see docs/operations.md.
  if (await runOperationsCommand(process.argv.slice(2), config, logger)) {
    await embedded?.stop();
    return;
  }
  if (process.argv[2] === 'migrate') {
    const dataSource = await openDatabase(config.database.url!, config.database.poolSize);
    logger.info('migrations up to date');
    await dataSource.destroy();
    await embedded?.stop();
    return;
  }
  const app = await createApp(config, logger);
  await app.listen(config.port, config.host);
  const address = app.getHttpServer().address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  logger.info(
    { role: config.role, url: `http://${config.host === '0.0.0.0' ? 'localhost' : config.host}:${port}` },
    config.embedded ? 'Wardtrack started on EMBEDDED DEFAULTS (for evaluation only)' : 'Wardtrack started',
  );
  if (config.embedded && config.role !== 'worker') app.get(DemoService, { strict: false }).startSimulator(port);
  const shutdown = async () => {
    await app.close();
    await embedded?.stop();
    process.exit(0);
  };
  process.once('SIGTERM', () => void shutdown());
  process.once('SIGINT', () => void shutdown());
}

if (require.main === module) {
  main().catch((err: unknown) => {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(1);
    }
    process.stderr.write(`Wardtrack failed to start: ${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  });
}
