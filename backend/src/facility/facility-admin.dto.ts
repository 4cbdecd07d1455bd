import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { type Point, ZONE_KINDS, type ZoneKind } from '@wardtrack/contracts';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsDefined,
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
  registerDecorator,
  ValidateNested,
  type ValidationArguments,
  type ValidationOptions,
} from 'class-validator';
import { AntennaBody } from '@backend/devices/devices.dto';

/** Zone outlines: at least a triangle, at most this many points. */
export const MAX_POLYGON_POINTS = 200;

/** A name IANA uses (`Europe/London`, `UTC`) that this runtime's time zone database knows. */
export function isIanaTimeZone(value: unknown): value is string {
  if (typeof value !== 'string' || !/^[A-Za-z][A-Za-z0-9_+-]*(\/[A-Za-z0-9_+-]+){0,2}$/.test(value)) return false;
  try {
    new Intl.DateTimeFormat('en', { timeZone: value });
    return true;
  } catch {
    return false;
  }
}

function IsIanaTimeZone(options?: ValidationOptions) {
  return (target: object, propertyName: string) =>
    registerDecorator({
      name: 'isIanaTimeZone',
      target: target.constructor,
      propertyName,
      options,
      validator: {
        validate: (value: unknown) => isIanaTimeZone(value),
        defaultMessage: (args?: ValidationArguments) =>
          `${args?.property} must be an IANA time zone such as Europe/London (got ${JSON.stringify(args?.value)})`,
      },
    });
}

const isPoint = (p: unknown): p is Point =>
  Array.isArray(p) && p.length === 2 && p.every((v) => typeof v === 'number' && Number.isFinite(v));

/** The message for a value that is not a polygon of 3..200 [x, y] points, naming the first bad point. */
function polygonProblem(value: unknown): string | null {
  if (!Array.isArray(value)) return ' must be an array of [x, y] points in metres';
  if (value.length < 3 || value.length > MAX_POLYGON_POINTS)
    return ` must have 3 to ${MAX_POLYGON_POINTS} points (has ${value.length})`;
  const bad = value.findIndex((p) => !isPoint(p));
  return bad >= 0 ? `[${bad}] must be [x, y] with two finite numbers (metres)` : null;
}

function IsPolygon(options?: ValidationOptions) {
  return (target: object, propertyName: string) =>
    registerDecorator({
      name: 'isPolygon',
      target: target.constructor,
      propertyName,
      options,
      validator: {
        validate: (value: unknown) => polygonProblem(value) === null,
        defaultMessage: (args?: ValidationArguments) => `${args?.property}${polygonProblem(args?.value) ?? ''}`,
      },
    });
}

const SITE_OR_BUILDING_CODE = /^[a-z0-9][a-z0-9-]{0,62}$/;
const SITE_CODE_RULE = 'must be lower-case letters, digits and hyphens (at most 63), e.g. demo-general';
const FLOOR_OR_ZONE_CODE = /^[A-Z0-9][A-Z0-9-]{0,63}$/;
const CODE_RULE = 'must be upper-case letters, digits and hyphens (at most 64), e.g. L1-ICU-BED-07';

export class CreateSiteBody {
  /** Never changes once created; lower-case, e.g. `demo-general`. */
  @ApiProperty() @IsString() @Matches(SITE_OR_BUILDING_CODE, { message: `code ${SITE_CODE_RULE}` }) code: string;
  @ApiProperty() @IsString() @MinLength(1) @MaxLength(200) name: string;
  /** IANA time zone, e.g. `Europe/London`: per-day figures and reader times without an offset use it. */
  @ApiProperty() @IsIanaTimeZone() timeZone: string;
}

export class UpdateSiteBody {
  @ApiPropertyOptional() @IsOptional() @IsString() @MinLength(1) @MaxLength(200) name?: string;
  @ApiPropertyOptional() @IsOptional() @IsIanaTimeZone() timeZone?: string;
}

export class CreateBuildingBody {
  /** Unique in the site; lower-case, e.g. `main`. */
  @ApiProperty() @IsString() @Matches(SITE_OR_BUILDING_CODE, { message: `code ${SITE_CODE_RULE}` }) code: string;
  @ApiProperty() @IsString() @MinLength(1) @MaxLength(200) name: string;
}

export class UpdateBuildingBody {
  @ApiPropertyOptional() @IsOptional() @IsString() @MinLength(1) @MaxLength(200) name?: string;
}

export class CreateFloorBody {
  /** Unique in the site, e.g. `L1`; devices and zone codes refer to it. */
  @ApiProperty() @IsString() @Matches(FLOOR_OR_ZONE_CODE, { message: `code ${CODE_RULE}` }) code: string;
  @ApiProperty() @IsString() @MinLength(1) @MaxLength(200) name: string;
  /** Storey: 0 ground, negative below ground. */
  @ApiProperty() @IsInt() @Min(-20) @Max(200) level: number;
  /** Extent of the plan in metres (the drawing's viewBox). */
  @ApiProperty() @IsNumber({ allowNaN: false, allowInfinity: false }) @Min(1) @Max(5000) widthM: number;
  @ApiProperty() @IsNumber({ allowNaN: false, allowInfinity: false }) @Min(1) @Max(5000) heightM: number;
}

export class UpdateFloorBody {
  @ApiPropertyOptional() @IsOptional() @IsString() @MinLength(1) @MaxLength(200) name?: string;
  @ApiPropertyOptional() @IsOptional() @IsInt() @Min(-20) @Max(200) level?: number;
  @ApiPropertyOptional()
  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(1)
  @Max(5000)
  widthM?: number;
  @ApiPropertyOptional()
  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(1)
  @Max(5000)
  heightM?: number;
}

export class CreateZoneBody {
  /** Unique in the site; the floor code as prefix is the convention, e.g. `L1-ICU-BED-07`. */
  @ApiProperty() @IsString() @Matches(FLOOR_OR_ZONE_CODE, { message: `code ${CODE_RULE}` }) code: string;
  @ApiProperty() @IsString() @MinLength(1) @MaxLength(200) name: string;
  @ApiProperty({ enum: ZONE_KINDS }) @IsIn(ZONE_KINDS) kind: ZoneKind;
  /** Care unit the zone belongs to ("ICU", "4 West"), or null. */
  @ApiPropertyOptional({ type: String, nullable: true })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(100)
  careUnit?: string | null;
  /** Outline in floor metres, 3..200 points, not closed (the first point is not repeated). */
  @ApiProperty({ type: 'array', items: { type: 'array', items: { type: 'number' } } })
  @IsDefined()
  @IsPolygon()
  polygon: Point[];
}

export class UpdateZoneBody {
  @ApiPropertyOptional() @IsOptional() @IsString() @MinLength(1) @MaxLength(200) name?: string;
  @ApiPropertyOptional({ enum: ZONE_KINDS }) @IsOptional() @IsIn(ZONE_KINDS) kind?: ZoneKind;
  @ApiPropertyOptional({ type: String, nullable: true })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(100)
  careUnit?: string | null;
  @ApiPropertyOptional({ type: 'array', items: { type: 'array', items: { type: 'number' } } })
  @IsOptional()
  @IsPolygon()
  polygon?: Point[];
}

export class UpdateDeviceBody {
  @ApiPropertyOptional() @IsOptional() @IsString() @MinLength(1) @MaxLength(200) name?: string;
  /** The vendor format the device posts (generic, impinj-iot, zebra-iotc, minew...). */
  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @Matches(/^[a-z0-9-]{1,40}$/, { message: 'vendorFormat must be lower-case letters, digits and hyphens' })
  vendorFormat?: string;
  /** Floor the device is mounted on; null takes it off the map (x and y too). */
  @ApiPropertyOptional({ type: String, nullable: true }) @IsOptional() @IsUUID() floorId?: string | null;
  /** Mounting point in floor metres; must lie inside a zone of the floor. */
  @ApiPropertyOptional({ type: Number, nullable: true })
  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  x?: number | null;
  @ApiPropertyOptional({ type: Number, nullable: true })
  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  y?: number | null;
}

export class ReplaceAntennasBody {
  /** Every antenna of the reader; ports not listed are removed. */
  @ApiProperty({ type: [AntennaBody] })
  @IsArray()
  @ArrayMaxSize(64)
  @ValidateNested({ each: true })
  @Type(() => AntennaBody)
  antennas: AntennaBody[];
}

// ---------------------------------------------------------------------------------------------
// Responses

export interface BuildingDto {
  id: string;
  siteId: string;
  code: string;
  name: string;
}

export interface SiteDto {
  id: string;
  code: string;
  name: string;
  timeZone: string;
  buildings: BuildingDto[];
}

export interface PlanUploadResultDto {
  floorId: string;
  contentType: 'image/svg+xml' | 'image/png';
  /** Size of the stored image in bytes (the sanitised SVG, or the PNG as sent). */
  bytes: number;
  sha256: string;
  /** PNG only: the image size from its header. */
  widthPx: number | null;
  heightPx: number | null;
  /** SVG only: what the sanitiser removed, in words; empty when nothing was. */
  removed: string[];
  /** Things that may look wrong on the map (a viewBox or aspect ratio other than the floor's). */
  warnings: string[];
}

/** The current floor plan image, as GET /floors/{id}/plan serves it. */
export interface FloorPlanImage {
  contentType: 'image/svg+xml' | 'image/png';
  body: Buffer | string;
}
