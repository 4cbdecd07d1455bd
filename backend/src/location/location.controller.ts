import { Controller, DefaultValuePipe, Get, Param, ParseIntPipe, ParseUUIDPipe, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { TagLocationDto } from '@wardtrack/contracts';
import { AnyStaff, Roles } from '@backend/auth/access.decorator';
import { TagIdPipe } from '@backend/common/tag-id.pipe';
import { LocationQueryService } from './location-query.service';

@ApiTags('location')
@Controller()
export class LocationController {
  constructor(private readonly locations: LocationQueryService) {}

  @Get('tags/unknown')
  @Roles('biomed', 'supply_manager', 'admin')
  @ApiOperation({ summary: 'Tags heard but not bound to any asset, most recently heard first, with where and when' })
  unknownTags(@Query('limit', new DefaultValuePipe(200), ParseIntPipe) limit: number): Promise<TagLocationDto[]> {
    return this.locations.unknownTags(Math.min(Math.max(limit, 1), 1000));
  }

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
