import { Controller, Get, Header, Param, ParseUUIDPipe, Res } from '@nestjs/common';
import { ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { FloorDetailDto, FloorSummaryDto } from '@wardtrack/contracts';
import type { FastifyReply } from 'fastify';
import { AnyStaff } from '@backend/auth/access.decorator';
import { CurrentPrincipal, type Principal } from '@backend/auth/principal';
import { scopeOf } from '@backend/auth/scope';
import { FacilityAdminService } from './facility-admin.service';
import { FacilityService } from './facility.service';

@ApiTags('facility')
@Controller('floors')
export class FloorsController {
  constructor(
    private readonly facility: FacilityService,
    private readonly admin: FacilityAdminService,
  ) {}

  @Get()
  @AnyStaff()
  @ApiOperation({ summary: 'All floors, by site, building and level' })
  list(@CurrentPrincipal() principal: Principal): Promise<FloorSummaryDto[]> {
    return this.facility.listFloors(scopeOf(principal));
  }

  @Get(':id')
  @AnyStaff()
  @ApiOperation({ summary: 'A floor with its zones (polygons in metres)' })
  get(@CurrentPrincipal() principal: Principal, @Param('id', ParseUUIDPipe) id: string): Promise<FloorDetailDto> {
    return this.facility.getFloor(id, scopeOf(principal));
  }

  @Get(':id/plan')
  @AnyStaff()
  @Header('Cache-Control', 'private, max-age=300')
  // The drawing is sanitised, but an SVG can carry script: forbid it from running if opened directly.
  @Header('Content-Security-Policy', "default-src 'none'; style-src 'unsafe-inline'")
  @ApiProduces('image/svg+xml', 'image/png')
  @ApiOperation({ summary: 'The floor plan drawing (SVG in metres, or an uploaded PNG)' })
  async plan(
    @CurrentPrincipal() principal: Principal,
    @Param('id', ParseUUIDPipe) id: string,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<Buffer | string> {
    await this.facility.assertFloorVisible(id, scopeOf(principal));
    const plan = await this.admin.getFloorPlan(id);
    void reply.type(plan.contentType === 'image/svg+xml' ? 'image/svg+xml; charset=utf-8' : plan.contentType);
    return plan.body;
  }
}
