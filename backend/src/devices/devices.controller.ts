import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Post } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { Roles } from '@backend/auth/access.decorator';
import { type Actor, CurrentActor } from '@backend/auth/principal';
import { CreateDeviceBody, type DeviceDto, type DeviceWithKeyDto, RotateKeyBody } from './devices.dto';
import { DevicesService } from './devices.service';

@ApiTags('devices')
@Controller('devices')
export class DevicesController {
  constructor(private readonly devices: DevicesService) {}

  @Get()
  @Roles('admin', 'biomed')
  @ApiOperation({ summary: 'List readers and gateways with their antennas and last-seen time' })
  list(): Promise<DeviceDto[]> {
    return this.devices.list();
  }

  @Get(':id')
  @Roles('admin', 'biomed')
  @ApiOperation({ summary: 'One reader or gateway' })
  get(@Param('id', ParseUUIDPipe) id: string): Promise<DeviceDto> {
    return this.devices.get(id);
  }

  @Post()
  @Roles('admin')
  @ApiOperation({ summary: 'Register a reader or gateway; the response shows its API key once' })
  create(@CurrentActor() actor: Actor, @Body() body: CreateDeviceBody): Promise<DeviceWithKeyDto> {
    return this.devices.create(actor, body);
  }

  @Post(':id/key')
  @Roles('admin')
  @ApiOperation({
    summary: 'Issue a new API key (shown once); the old key keeps working for graceMinutes (default 60)',
  })
  rotateKey(
    @CurrentActor() actor: Actor,
    @Param('id', ParseUUIDPipe) id: string,
    @Body() body: RotateKeyBody,
  ): Promise<DeviceWithKeyDto> {
    return this.devices.rotateKey(actor, id, body.graceMinutes ?? 60);
  }

  @Post(':id/revoke')
  @HttpCode(200)
  @Roles('admin')
  @ApiOperation({ summary: 'Revoke the device key: the device can no longer post' })
  revoke(@CurrentActor() actor: Actor, @Param('id', ParseUUIDPipe) id: string): Promise<DeviceDto> {
    return this.devices.revoke(actor, id);
  }
}
