import { Controller, Get, HttpCode, Param, ParseUUIDPipe, Post, Query } from '@nestjs/common';
import { ApiConflictResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { AlertDto } from '@wardtrack/contracts';
import { AnyStaff } from '@backend/auth/access.decorator';
import { type Actor, CurrentActor, CurrentPrincipal, type Principal } from '@backend/auth/principal';
import { scopeOf } from '@backend/auth/scope';
import { AlertResponse, ListAlertsQuery } from './alerts.dto';
import { AlertsService } from './alerts.service';

@ApiTags('alerts')
@Controller('alerts')
export class AlertsController {
  constructor(private readonly alerts: AlertsService) {}

  @Get()
  @AnyStaff()
  @ApiOperation({ summary: 'Alerts, newest first, filtered by state, kind, site and care unit' })
  @ApiOkResponse({ type: [AlertResponse] })
  list(@CurrentPrincipal() principal: Principal, @Query() query: ListAlertsQuery): Promise<AlertDto[]> {
    return this.alerts.list(query, scopeOf(principal));
  }

  @Get(':id')
  @AnyStaff()
  @ApiOperation({ summary: 'One alert' })
  @ApiOkResponse({ type: AlertResponse })
  @ApiNotFoundResponse({ description: 'No such alert' })
  get(@CurrentPrincipal() principal: Principal, @Param('id', ParseUUIDPipe) id: string): Promise<AlertDto> {
    return this.alerts.get(id, scopeOf(principal));
  }

  @Post(':id/ack')
  @HttpCode(200)
  @AnyStaff()
  @ApiOperation({ summary: 'Acknowledge an open alert (audited); acknowledging again changes nothing' })
  @ApiOkResponse({ type: AlertResponse })
  @ApiNotFoundResponse({ description: 'No such alert' })
  @ApiConflictResponse({ description: 'The alert is already resolved' })
  acknowledge(
    @CurrentPrincipal() principal: Principal,
    @CurrentActor() actor: Actor,
    @Param('id', ParseUUIDPipe) id: string,
  ): Promise<AlertDto> {
    return this.alerts.acknowledge(actor, id, scopeOf(principal));
  }
}
