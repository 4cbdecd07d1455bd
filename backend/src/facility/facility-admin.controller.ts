import { Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Patch, Post, Put, Req } from '@nestjs/common';
import { ApiBody, ApiConsumes, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FloorDetailDto, ZoneDto } from '@wardtrack/contracts';
import type { FastifyRequest } from 'fastify';
import { AnyStaff, Roles } from '@backend/auth/access.decorator';
import { type Actor, CurrentActor } from '@backend/auth/principal';
import type { DeviceDto } from '@backend/devices/devices.dto';
import {
  type BuildingDto,
  CreateBuildingBody,
  CreateFloorBody,
  CreateSiteBody,
  CreateZoneBody,
  type PlanUploadResultDto,
  ReplaceAntennasBody,
  type SiteDto,
  UpdateBuildingBody,
  UpdateDeviceBody,
  UpdateFloorBody,
  UpdateSiteBody,
  UpdateZoneBody,
} from './facility-admin.dto';
import { FacilityAdminService } from './facility-admin.service';
import { PLAN_FIELD } from './plan-upload';

/** Administration of the facility: sites, buildings, floors, zones, device placement, floor plans. */
@ApiTags('facility admin')
@Controller()
export class FacilityAdminController {
  constructor(private readonly admin: FacilityAdminService) {}

  @Get('sites')
  @AnyStaff()
  @ApiOperation({ summary: 'All sites with their buildings' })
  listSites(): Promise<SiteDto[]> {
    return this.admin.listSites();
  }

  @Post('sites')
  @Roles('admin')
  @ApiOperation({ summary: 'Create a site (code unique, IANA time zone)' })
  createSite(@CurrentActor() actor: Actor, @Body() body: CreateSiteBody): Promise<SiteDto> {
    return this.admin.createSite(actor, body);
  }

  @Patch('sites/:id')
  @Roles('admin')
  @ApiOperation({ summary: 'Rename a site or change its time zone (the code never changes)' })
  updateSite(
    @CurrentActor() actor: Actor,
    @Param('id', ParseUUIDPipe) id: string,
    @Body() body: UpdateSiteBody,
  ): Promise<SiteDto> {
    return this.admin.updateSite(actor, id, body);
  }

  @Post('sites/:id/buildings')
  @Roles('admin')
  @ApiOperation({ summary: 'Add a building to a site' })
  createBuilding(
    @CurrentActor() actor: Actor,
    @Param('id', ParseUUIDPipe) siteId: string,
    @Body() body: CreateBuildingBody,
  ): Promise<BuildingDto> {
    return this.admin.createBuilding(actor, siteId, body);
  }

  @Patch('buildings/:id')
  @Roles('admin')
  @ApiOperation({ summary: 'Rename a building' })
  updateBuilding(
    @CurrentActor() actor: Actor,
    @Param('id', ParseUUIDPipe) id: string,
    @Body() body: UpdateBuildingBody,
  ): Promise<BuildingDto> {
    return this.admin.updateBuilding(actor, id, body);
  }

  @Post('buildings/:id/floors')
  @Roles('admin')
  @ApiOperation({ summary: 'Add a floor to a building (code unique in the site)' })
  createFloor(
    @CurrentActor() actor: Actor,
    @Param('id', ParseUUIDPipe) buildingId: string,
    @Body() body: CreateFloorBody,
  ): Promise<FloorDetailDto> {
    return this.admin.createFloor(actor, buildingId, body);
  }

  @Patch('floors/:id')
  @Roles('admin')
  @ApiOperation({ summary: 'Change a floor: name, level, extent (zones must still fit)' })
  updateFloor(
    @CurrentActor() actor: Actor,
    @Param('id', ParseUUIDPipe) id: string,
    @Body() body: UpdateFloorBody,
  ): Promise<FloorDetailDto> {
    return this.admin.updateFloor(actor, id, body);
  }

  @Delete('floors/:id')
  @HttpCode(204)
  @Roles('admin')
  @ApiOperation({ summary: 'Delete a floor and its zones; 409 while devices hang on it or cover its zones' })
  deleteFloor(@CurrentActor() actor: Actor, @Param('id', ParseUUIDPipe) id: string): Promise<void> {
    return this.admin.deleteFloor(actor, id);
  }

  @Put('floors/:id/plan')
  @Roles('admin')
  @ApiConsumes('multipart/form-data')
  @ApiBody({
    schema: {
      type: 'object',
      required: [PLAN_FIELD],
      properties: { [PLAN_FIELD]: { type: 'string', format: 'binary', description: 'SVG or PNG, at most 5 MiB' } },
    },
  })
  @ApiOperation({ summary: 'Upload the floor plan (SVG, sanitised, or PNG); replaces the current one' })
  uploadPlan(
    @CurrentActor() actor: Actor,
    @Param('id', ParseUUIDPipe) id: string,
    @Req() request: FastifyRequest,
  ): Promise<PlanUploadResultDto> {
    return this.admin.uploadPlan(actor, id, request);
  }

  @Post('floors/:id/zones')
  @Roles('admin')
  @ApiOperation({ summary: 'Add a zone to a floor (inside the floor, overlapping no other zone)' })
  createZone(
    @CurrentActor() actor: Actor,
    @Param('id', ParseUUIDPipe) floorId: string,
    @Body() body: CreateZoneBody,
  ): Promise<ZoneDto> {
    return this.admin.createZone(actor, floorId, body);
  }

  @Patch('zones/:id')
  @Roles('admin')
  @ApiOperation({ summary: 'Change a zone: name, kind, care unit, outline' })
  updateZone(
    @CurrentActor() actor: Actor,
    @Param('id', ParseUUIDPipe) id: string,
    @Body() body: UpdateZoneBody,
  ): Promise<ZoneDto> {
    return this.admin.updateZone(actor, id, body);
  }

  @Delete('zones/:id')
  @HttpCode(204)
  @Roles('admin')
  @ApiOperation({ summary: 'Delete a zone; 409 while an antenna covers it' })
  deleteZone(@CurrentActor() actor: Actor, @Param('id', ParseUUIDPipe) id: string): Promise<void> {
    return this.admin.deleteZone(actor, id);
  }

  @Patch('devices/:id')
  @Roles('admin')
  @ApiOperation({ summary: 'Rename a device, change its format, or place it inside a zone of a floor' })
  updateDevice(
    @CurrentActor() actor: Actor,
    @Param('id', ParseUUIDPipe) id: string,
    @Body() body: UpdateDeviceBody,
  ): Promise<DeviceDto> {
    return this.admin.updateDevice(actor, id, body);
  }

  @Put('devices/:id/antennas')
  @Roles('admin')
  @ApiOperation({ summary: "Replace a reader's antennas (ports 1-64, each covering a zone)" })
  replaceAntennas(
    @CurrentActor() actor: Actor,
    @Param('id', ParseUUIDPipe) id: string,
    @Body() body: ReplaceAntennasBody,
  ): Promise<DeviceDto> {
    return this.admin.replaceAntennas(actor, id, body);
  }
}
