import { ApiProperty } from '@nestjs/swagger';
import { IsString, Length, Matches, ValidateIf } from 'class-validator';
import { MAX_TOPIC_LENGTH } from './mqtt-topic';

export class SetMqttTopicBody {
  @ApiProperty({
    type: String,
    nullable: true,
    description: 'The topic the device publishes to (no wildcards), or null to stop listening',
    example: 'wardtrack/devices/RDR-1/tags',
  })
  @ValidateIf((o: SetMqttTopicBody) => o.topic !== null)
  @IsString()
  @Length(1, MAX_TOPIC_LENGTH)
  @Matches(/^[^#+$][^#+]*$/, {
    message: 'topic must not contain the wildcards # or + and must not start with $',
  })
  topic: string | null;
}

export interface DeviceMqttDto {
  deviceId: string;
  code: string;
  vendorFormat: string;
  topic: string | null;
}

export interface TagTelemetryDto {
  tagId: string;
  batteryMv: number | null;
  batteryPercent: number | null;
  temperatureC: number | null;
  /** BLE: whether the gateway saw a public or a random (changing) address; null when it did not say. */
  addressType: 'public' | 'random' | null;
  updatedAt: string;
}
