import { Controller, Get, Header, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsDateString, IsInt, IsOptional, IsString, Max, Min } from 'class-validator';
import { Roles } from '@backend/auth/access.decorator';
import { AuditQueryService, type AuditEntryDto, toCsv } from './audit-query.service';

export class AuditQuery {
  /** Subject as `type` or `type:id`, e.g. `device` or `device:8d0c...`. */
  @IsOptional() @IsString() subject?: string;
  /** Actor id or label (email / device code). */
  @IsOptional() @IsString() actor?: string;
  @IsOptional() @IsDateString() from?: string;
  @IsOptional() @IsDateString() to?: string;
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(100_000) limit?: number;
}

@ApiTags('audit')
@Controller('audit')
export class AuditController {
  constructor(private readonly auditQuery: AuditQueryService) {}

  @Get()
  @Roles('admin')
  @ApiOperation({ summary: 'Search the audit log (newest first)' })
  search(@Query() query: AuditQuery): Promise<AuditEntryDto[]> {
    return this.auditQuery.search({ ...query, limit: Math.min(query.limit ?? 200, 1000) });
  }

  @Get('export.csv')
  @Roles('admin')
  @Header('Content-Type', 'text/csv; charset=utf-8')
  @Header('Content-Disposition', 'attachment; filename="wardtrack-audit.csv"')
  @ApiOperation({ summary: 'The same search as CSV (up to 100,000 entries), for auditors and spreadsheets' })
  async exportCsv(@Query() query: AuditQuery): Promise<string> {
    return toCsv(await this.auditQuery.search({ ...query, limit: query.limit ?? 100_000 }));
  }
}
