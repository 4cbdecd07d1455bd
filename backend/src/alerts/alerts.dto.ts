import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  ALERT_KINDS,
  ALERT_SEVERITIES,
  ALERT_STATES,
  type AlertDto,
  type AlertKind,
  type AlertSeverity,
  type AlertState,
} from '@wardtrack/contracts';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, IsUUID, Max, MaxLength, Min } from 'class-validator';
import type { Alert } from './alert.entity';

export const DEFAULT_ALERT_LIST_LIMIT = 100;
export const MAX_ALERT_LIST_LIMIT = 500;

/** Filters of `GET /alerts`; every filter is optional and they combine with AND. */
export class ListAlertsQuery {
  @ApiPropertyOptional({ enum: ALERT_STATES }) @IsOptional() @IsIn(ALERT_STATES) state?: AlertState;
  @ApiPropertyOptional({ enum: ALERT_KINDS }) @IsOptional() @IsIn(ALERT_KINDS) kind?: AlertKind;
  @ApiPropertyOptional({ format: 'uuid' }) @IsOptional() @IsUUID() siteId?: string;
  /** Care unit as written on the zones, e.g. "ICU" or "4 West". */
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(100) careUnit?: string;
  @ApiPropertyOptional({ minimum: 1, maximum: MAX_ALERT_LIST_LIMIT, default: DEFAULT_ALERT_LIST_LIMIT })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(MAX_ALERT_LIST_LIMIT)
  limit?: number;
}

class AlertAcknowledgerResponse {
  @ApiProperty({ type: String, nullable: true, format: 'uuid' }) id: string | null;
  /** The user's sign-in email. */
  @ApiProperty() label: string;
}

/** The OpenAPI shape of AlertDto (the contract itself is a plain interface shared with the UI). */
export class AlertResponse implements AlertDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ enum: ALERT_KINDS }) kind: AlertKind;
  /** What the alert is about, e.g. `device`. */
  @ApiProperty() subjectType: string;
  @ApiProperty() subjectId: string;
  /** How people know the subject, e.g. the device code. */
  @ApiProperty() subjectLabel: string;
  @ApiProperty({ type: String, nullable: true, format: 'uuid' }) siteId: string | null;
  @ApiProperty({ type: String, nullable: true }) careUnit: string | null;
  @ApiProperty({ enum: ALERT_SEVERITIES }) severity: AlertSeverity;
  @ApiProperty({ enum: ALERT_STATES }) state: AlertState;
  /** Kind-specific facts, e.g. `lastSeenAt` and `silentSince` for device_offline. */
  @ApiProperty({ type: 'object', additionalProperties: true }) details: Record<string, unknown>;
  @ApiProperty({ format: 'date-time' }) openedAt: string;
  @ApiProperty({ type: String, nullable: true, format: 'date-time' }) acknowledgedAt: string | null;
  @ApiProperty({ type: AlertAcknowledgerResponse, nullable: true }) acknowledgedBy: AlertAcknowledgerResponse | null;
  @ApiProperty({ type: String, nullable: true, format: 'date-time' }) resolvedAt: string | null;
  @ApiProperty({ type: String, nullable: true }) resolvedReason: string | null;
  @ApiProperty({ format: 'date-time' }) updatedAt: string;
}

/** The one place an alert row becomes what HTTP clients see. */
export function toAlertDto(alert: Alert): AlertDto {
  return {
    id: alert.id,
    kind: alert.kind,
    subjectType: alert.subjectType,
    subjectId: alert.subjectId,
    subjectLabel: alert.subjectLabel,
    siteId: alert.siteId,
    careUnit: alert.careUnit,
    severity: alert.severity,
    state: alert.state,
    details: alert.details,
    openedAt: alert.openedAt.toISOString(),
    acknowledgedAt: alert.acknowledgedAt?.toISOString() ?? null,
    acknowledgedBy:
      alert.acknowledgedByLabel === null ? null : { id: alert.acknowledgedBy, label: alert.acknowledgedByLabel },
    resolvedAt: alert.resolvedAt?.toISOString() ?? null,
    resolvedReason: alert.resolvedReason,
    updatedAt: alert.updatedAt.toISOString(),
  };
}
