import { Controller, Get, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsDateString, IsInt, IsOptional, IsString, Max, Min } from 'class-validator';
import { Roles } from '@backend/auth/access.decorator';
import { AuditQueryService, type AuditEntryDto } from './audit-query.service';

export class AuditQuery {
  /** Subject as `type` or `type:id`, e.g. `device` or `device:8d0c...`. */
  @IsOptional() @IsString() subject?: string;
  /** Actor id or label (email / device code). */
  @IsOptional() @IsString() actor?: string;
  @IsOptional() @IsDateString() from?: string;
  @IsOptional() @IsDateString() to?: string;
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(1000) limit?: number;
}

@ApiTags('audit')
@Controller('audit')
export class AuditController {
  constructor(private readonly auditQuery: AuditQueryService) {}

  @Get()
  @Roles('admin')
  @ApiOperation({ summary: 'Search the audit log (newest first)' })
  search(@Query() query: AuditQuery): Promise<AuditEntryDto[]> {
    return this.auditQuery.search(query);
  }
}
