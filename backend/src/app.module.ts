import { type DynamicModule, Module, type ModuleMetadata } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import type { Logger } from 'pino';
import { AlertsModule, AlertsWorkerModule } from './alerts/alerts.module';
import { AuditModule } from './audit/audit.module';
import { AuthModule } from './auth/auth.module';
import type { AppConfig } from './config/app-config';
import { ConfigModule } from './config/config.module';
import { dataSourceOptions, openDatabase } from './database/data-source';
import { DemoModule } from './demo/demo.module';
import { DevicesModule } from './devices/devices.module';
import { EpcModule } from './epc/epc.module';
import { EventsModule } from './events/events.module';
import { FacilityModule } from './facility/facility.module';
import { HealthModule } from './health/health.module';
import { IngestModule } from './ingest/ingest.module';
import { LocationModule } from './location/location.module';
import { MetricsModule } from './metrics/metrics.module';
import { OperationsModule } from './operations/operations.module';
import { MqttModule } from './mqtt/mqtt.module';
import { WorkerModule } from './location/worker.module';
import { QueueModule } from './queue/queue.module';
import { RealtimeModule } from './realtime/realtime.module';
import { StartupService } from './startup.service';

/**
 * One codebase, three roles: `api` serves HTTP, `worker` consumes the queue, `all` does both.
 * The worker role keeps only the health endpoint on HTTP.
 */
@Module({})
export class AppModule {
  static forRoot(config: AppConfig, logger: Logger): DynamicModule {
    const url = config.database.url;
    if (!url) throw new Error('database URL not resolved before the app module was built');
    const api = config.role !== 'worker';
    const worker = config.role !== 'api';
    const imports: ModuleMetadata['imports'] = [
      ConfigModule.forRoot(config, logger),
      TypeOrmModule.forRootAsync({
        useFactory: () => dataSourceOptions(url, config.database.poolSize),
        // Migrations run before anything else touches the database, under an advisory lock.
        dataSourceFactory: async () => openDatabase(url, config.database.poolSize),
      }),
      AuditModule,
      QueueModule,
      EventsModule,
      HealthModule,
      MetricsModule.forRoot(config),
    ];
    if (api)
      imports.push(
        AuthModule,
        DevicesModule,
        FacilityModule,
        LocationModule,
        RealtimeModule,
        IngestModule,
        EpcModule,
        AlertsModule,
      );
    // The device-topic and telemetry routes always; the MQTT subscriber only when MQTT_URL is set.
    if (api) imports.push(MqttModule.forRoot(config));
    if (worker) imports.push(WorkerModule, AlertsWorkerModule, OperationsModule);
    if (api && config.embedded) imports.push(DemoModule);
    return { module: AppModule, imports, providers: api ? [StartupService] : [] };
  }
}
