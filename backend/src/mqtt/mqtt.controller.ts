import { Body, Controller, Get, Param, ParseUUIDPipe, Put } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { Roles } from '@backend/auth/access.decorator';
import { type Actor, CurrentActor } from '@backend/auth/principal';
import { TagIdPipe } from '@backend/common/tag-id.pipe';
import { MqttAdminService } from './mqtt-admin.service';
import { type DeviceMqttDto, SetMqttTopicBody, type TagTelemetryDto } from './mqtt.dto';

@ApiTags('mqtt')
@Controller()
export class MqttController {
  constructor(private readonly admin: MqttAdminService) {}

  @Put('devices/:id/mqtt')
  @Roles('admin')
  @ApiOperation({
    summary: "Set the MQTT topic a device publishes to (read in the device's vendor format), or null to stop",
  })
  setTopic(
    @CurrentActor() actor: Actor,
    @Param('id', ParseUUIDPipe) id: string,
    @Body() body: SetMqttTopicBody,
  ): Promise<DeviceMqttDto> {
    return this.admin.setTopic(actor, id, body.topic);
  }

  @Get('tags/:tagId/telemetry')
  @Roles('biomed', 'admin')
  @ApiOperation({ summary: "A tag's newest battery and temperature telemetry" })
  telemetry(@Param('tagId', TagIdPipe) tagId: string): Promise<TagTelemetryDto> {
    return this.admin.telemetry(tagId);
  }
}
