import { Controller, Get, Param, ParseUUIDPipe } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { TagLocationDto } from '@wardtrack/contracts';
import { AnyStaff } from '@backend/auth/access.decorator';
import { TagIdPipe } from '@backend/common/tag-id.pipe';
import { LocationQueryService } from './location-query.service';

@ApiTags('location')
@Controller()
export class LocationController {
  constructor(private readonly locations: LocationQueryService) {}

  @Get('tags/:tagId/location')
  @AnyStaff()
  @ApiOperation({ summary: "A tag's current zone, floor, position (metres) and last-seen time" })
  tagLocation(@Param('tagId', TagIdPipe) tagId: string): Promise<TagLocationDto> {
    return this.locations.tagLocation(tagId);
  }

  @Get('floors/:id/tags')
  @AnyStaff()
  @ApiOperation({ summary: 'Located tags on a floor, with the asset each is attached to' })
  tagsOnFloor(@Param('id', ParseUUIDPipe) floorId: string): Promise<TagLocationDto[]> {
    return this.locations.tagsOnFloor(floorId);
  }
}
