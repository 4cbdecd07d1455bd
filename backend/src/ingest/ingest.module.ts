import { Module } from '@nestjs/common';
import { IngestController } from './ingest.controller';
import { DeviceHealthService } from './device-health.service';
import { IngestService } from './ingest.service';

@Module({
  controllers: [IngestController],
  providers: [IngestService, DeviceHealthService],
})
export class IngestModule {}
