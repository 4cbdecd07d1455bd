import { Module } from '@nestjs/common';
import { BatchProcessorService } from './batch-processor.service';
import { LocationQueryService } from './location-query.service';
import { LocationController } from './location.controller';
import { LocationRepository } from './location.repository';

@Module({
  controllers: [LocationController],
  providers: [LocationRepository, LocationQueryService, BatchProcessorService],
  exports: [BatchProcessorService, LocationQueryService],
})
export class LocationModule {}
