import { Module } from '@nestjs/common';
import { IngestController } from './ingest.controller';
import { DeviceHealthService } from './device-health.service';
import { IngestService } from './ingest.service';

@Module({
  controllers: [IngestController],
  providers: [IngestService, DeviceHealthService],
  // MQTT messages take the same path as HTTP posts, with the same per-device rate limit.
  exports: [IngestService],
})
export class IngestModule {}
