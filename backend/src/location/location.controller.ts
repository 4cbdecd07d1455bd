import { Controller, DefaultValuePipe, Get, Param, ParseIntPipe, ParseUUIDPipe, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { TagLocationDto } from '@wardtrack/contracts';
import { AnyStaff, Roles } from '@backend/auth/access.decorator';
import { CurrentPrincipal, type Principal } from '@backend/auth/principal';
import { scopeOf } from '@backend/auth/scope';
import { TagIdPipe } from '@backend/common/tag-id.pipe';
import { LocationQueryService } from './location-query.service';

@ApiTags('location')
@Controller()
export class LocationController {
  constructor(private readonly locations: LocationQueryService) {}

  @Get('tags/unknown')
  @Roles('biomed', 'supply_manager', 'admin')
  @ApiOperation({ summary: 'Tags heard but not bound to any asset, most recently heard first, with where and when' })
  unknownTags(
    @CurrentPrincipal() principal: Principal,
    @Query('limit', new DefaultValuePipe(200), ParseIntPipe) limit: number,
  ): Promise<TagLocationDto[]> {
    return this.locations.unknownTags(Math.min(Math.max(limit, 1), 1000), scopeOf(principal));
  }

  @Get('tags/:tagId/location')
  @AnyStaff()
  @ApiOperation({ summary: "A tag's current zone, floor, position (metres) and last-seen time" })
  tagLocation(
    @CurrentPrincipal() principal: Principal,
    @Param('tagId', TagIdPipe) tagId: string,
  ): Promise<TagLocationDto> {
    return this.locations.tagLocation(tagId, scopeOf(principal));
  }

  @Get('floors/:id/tags')
  @AnyStaff()
  @ApiOperation({ summary: 'Located tags on a floor, with the asset each is attached to' })
  tagsOnFloor(
    @CurrentPrincipal() principal: Principal,
    @Param('id', ParseUUIDPipe) floorId: string,
  ): Promise<TagLocationDto[]> {
    return this.locations.tagsOnFloor(floorId, scopeOf(principal));
  }
}
