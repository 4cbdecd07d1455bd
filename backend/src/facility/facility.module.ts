import { Module } from '@nestjs/common';
import { DevicesModule } from '@backend/devices/devices.module';
import { FacilityAdminController } from './facility-admin.controller';
import { FacilityAdminService } from './facility-admin.service';
import { FacilityImportService } from './facility-import.service';
import { FacilityService } from './facility.service';
import { FloorplanStartupService } from './floorplan-startup.service';
import { FloorsController } from './floors.controller';
import { WalkingController } from './walking.controller';
import { WalkingService } from './walking.service';

@Module({
  imports: [DevicesModule],
  controllers: [FacilityAdminController, FloorsController, WalkingController],
  providers: [FacilityAdminService, FacilityService, FacilityImportService, FloorplanStartupService, WalkingService],
  exports: [FacilityService, FacilityImportService, FloorplanStartupService, WalkingService],
})
export class FacilityModule {}
