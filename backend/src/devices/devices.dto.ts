import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { DEVICE_KINDS, type DeviceKind } from '@wardtrack/contracts';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsIn,
  IsInt,
  IsNumber,
  IsOptional,
  IsString,
  IsUUID,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
  ValidateNested,
} from 'class-validator';

export class AntennaBody {
  /** Reader antenna port, 1-based as readers number them. */
  @ApiProperty() @IsInt() @Min(1) @Max(64) port: number;
  /** Zone the antenna covers. */
  @ApiProperty() @IsUUID() zoneId: string;
  /** For doorway portals: the side of the door this antenna faces. */
  @ApiPropertyOptional({ enum: ['inside', 'outside'] }) @IsOptional() @IsIn(['inside', 'outside']) side?:
    'inside' | 'outside';
}

export class CreateDeviceBody {
  /** Short unique code, as printed on the device's label, e.g. RDR-L1-03. */
  @ApiProperty() @IsString() @Matches(/^[A-Za-z0-9._-]{1,64}$/) code: string;
  @ApiProperty() @IsString() @MinLength(1) @MaxLength(200) name: string;
  @ApiProperty({ enum: DEVICE_KINDS }) @IsIn(DEVICE_KINDS) kind: DeviceKind;
  /** The vendor format the device posts (e.g. generic, impinj-iot, zebra-iotc, minew). */
  @ApiProperty() @IsString() @Matches(/^[a-z0-9-]{1,40}$/) vendorFormat: string;
  @ApiPropertyOptional() @IsOptional() @IsUUID() floorId?: string;
  @ApiPropertyOptional() @IsOptional() @IsNumber() @Min(0) x?: number;
  @ApiPropertyOptional() @IsOptional() @IsNumber() @Min(0) y?: number;
  @ApiPropertyOptional({ type: [AntennaBody] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(64)
  @ValidateNested({ each: true })
  @Type(() => AntennaBody)
  antennas?: AntennaBody[];
}

export class RotateKeyBody {
  /** How long the old key keeps working, in minutes (0 = stops at once; at most 7 days). */
  @ApiPropertyOptional({ default: 60, minimum: 0, maximum: 10080 })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(10080)
  graceMinutes?: number;
}

export interface AntennaDto {
  port: number;
  zoneId: string;
  side: 'inside' | 'outside' | null;
}

export interface DeviceDto {
  id: string;
  code: string;
  name: string;
  kind: DeviceKind;
  vendorFormat: string;
  floorId: string | null;
  x: number | null;
  y: number | null;
  /** First characters of the current key, to tell keys apart; never the key itself. */
  keyPrefix: string | null;
  revokedAt: string | null;
  lastSeenAt: string | null;
  /** Reads accepted from this device in the last minute. */
  readsPerMinute: number;
  /** The device's last rejected post ("400 on zebra-iotc: items[3].data.peakRssi: ..."), and when. */
  lastError: string | null;
  lastErrorAt: string | null;
  /** Device clock minus server clock at its latest batch, ms (negative also while it replays a buffer). */
  clockSkewMs: number | null;
  antennas: AntennaDto[];
}

/** Returned once, when a key is created: the key is not stored and cannot be shown again. */
export interface DeviceWithKeyDto extends DeviceDto {
  apiKey: string;
}
