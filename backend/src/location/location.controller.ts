import {
  BadRequestException,
  Controller,
  DefaultValuePipe,
  Get,
  Param,
  ParseIntPipe,
  ParseUUIDPipe,
  Query,
} from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsDateString, IsInt, IsOptional, Max, Min } from 'class-validator';
import type { TagLocationDto, TagStayDto } from '@wardtrack/contracts';
import { AnyStaff, Roles } from '@backend/auth/access.decorator';
import { CurrentPrincipal, type Principal } from '@backend/auth/principal';
import { scopeOf } from '@backend/auth/scope';
import { TagIdPipe } from '@backend/common/tag-id.pipe';
import { LocationQueryService } from './location-query.service';

class StaysQuery {
  /** ISO 8601; default 24 hours before `to`. */
  @IsOptional() @IsDateString() from?: string;
  /** ISO 8601; default now. */
  @IsOptional() @IsDateString() to?: string;
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(10_000) limit?: number;
}

const DAY_MS = 86_400_000;

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

  @Get('tags/:tagId/stays')
  @AnyStaff()
  @ApiOperation({
    summary: "A tag's history as stays (zone, entered, left) overlapping from..to (default: the last 24 hours)",
  })
  stays(
    @CurrentPrincipal() principal: Principal,
    @Param('tagId', TagIdPipe) tagId: string,
    @Query() query: StaysQuery,
  ): Promise<TagStayDto[]> {
    const to = query.to ? new Date(query.to) : new Date();
    const from = query.from ? new Date(query.from) : new Date(to.getTime() - DAY_MS);
    if (from.getTime() > to.getTime()) throw new BadRequestException('from must not be after to');
    return this.locations.stays(tagId, from, to, query.limit ?? 1000, scopeOf(principal));
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
