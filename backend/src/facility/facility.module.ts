import { Module } from '@nestjs/common';
import { FacilityImportService } from './facility-import.service';
import { FacilityService } from './facility.service';
import { FloorplanStartupService } from './floorplan-startup.service';
import { FloorsController } from './floors.controller';

@Module({
  controllers: [FloorsController],
  providers: [FacilityService, FacilityImportService, FloorplanStartupService],
  exports: [FacilityService, FacilityImportService, FloorplanStartupService],
})
export class FacilityModule {}
