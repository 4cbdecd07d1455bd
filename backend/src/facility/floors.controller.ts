import { Controller, Get, Header, Param, ParseUUIDPipe } from '@nestjs/common';
import { ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { FloorDetailDto, FloorSummaryDto } from '@wardtrack/contracts';
import { AnyStaff } from '@backend/auth/access.decorator';
import { FacilityService } from './facility.service';

@ApiTags('facility')
@Controller('floors')
export class FloorsController {
  constructor(private readonly facility: FacilityService) {}

  @Get()
  @AnyStaff()
  @ApiOperation({ summary: 'All floors, by site, building and level' })
  list(): Promise<FloorSummaryDto[]> {
    return this.facility.listFloors();
  }

  @Get(':id')
  @AnyStaff()
  @ApiOperation({ summary: 'A floor with its zones (polygons in metres)' })
  get(@Param('id', ParseUUIDPipe) id: string): Promise<FloorDetailDto> {
    return this.facility.getFloor(id);
  }

  @Get(':id/plan')
  @AnyStaff()
  @Header('Content-Type', 'image/svg+xml; charset=utf-8')
  @Header('Cache-Control', 'private, max-age=300')
  // The drawing is ours, but an SVG can carry script: forbid it from running if opened directly.
  @Header('Content-Security-Policy', "default-src 'none'; style-src 'unsafe-inline'")
  @ApiProduces('image/svg+xml')
  @ApiOperation({ summary: 'The floor plan drawing (SVG, coordinates in metres)' })
  plan(@Param('id', ParseUUIDPipe) id: string): Promise<string> {
    return this.facility.getFloorPlanSvg(id);
  }
}
