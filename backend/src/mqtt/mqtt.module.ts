import { type DynamicModule, Module, type Provider } from '@nestjs/common';
import type { AppConfig } from '@backend/config/app-config';
import { IngestModule } from '@backend/ingest/ingest.module';
import { MqttAdminService } from './mqtt-admin.service';
import { MqttController } from './mqtt.controller';
import { MqttIngestService } from './mqtt-ingest.service';

/**
 * API role: the device topic and tag telemetry routes, and, when MQTT_URL is set, the subscriber
 * that ingests what devices publish on their topics.
 */
@Module({})
export class MqttModule {
  static forRoot(config: AppConfig): DynamicModule {
    const providers: Provider[] = [MqttAdminService];
    if (config.mqtt.url) providers.push(MqttIngestService);
    return {
      module: MqttModule,
      imports: [IngestModule],
      controllers: [MqttController],
      providers,
      exports: providers,
    };
  }
}
