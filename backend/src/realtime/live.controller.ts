import { Controller, Get, Param, ParseUUIDPipe, Req, Res } from '@nestjs/common';
import { ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AnyStaff } from '@backend/auth/access.decorator';
import { CurrentPrincipal, type Principal } from '@backend/auth/principal';
import { scopeOf } from '@backend/auth/scope';
import { LocationQueryService } from '@backend/location/location-query.service';
import { LiveService } from './live.service';

@ApiTags('location')
@Controller()
export class LiveController {
  constructor(
    private readonly locations: LocationQueryService,
    private readonly live: LiveService,
  ) {}

  @Get('floors/:id/live')
  @AnyStaff()
  @ApiProduces('text/event-stream')
  @ApiOperation({
    summary:
      'Live stream (Server-Sent Events) of the tags that change on a floor: `event: tags` with their ids; ' +
      'ends when the access token would expire (reconnect with a fresh one)',
  })
  async floorLive(
    @CurrentPrincipal() principal: Principal,
    @Param('id', ParseUUIDPipe) floorId: string,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    await this.locations.assertFloorVisible(floorId, scopeOf(principal));
    // From here on the stream is ours, not Fastify's: carry over the headers set so far (request id, security).
    const headers: Record<string, string> = {
      'x-request-id': String(request.id),
      'x-frame-options': 'DENY',
      'referrer-policy': 'no-referrer',
      'cross-origin-resource-policy': 'same-origin',
    };
    for (const [name, value] of Object.entries(reply.getHeaders())) {
      if (typeof value === 'string') headers[name] = value;
    }
    reply.hijack();
    this.live.open(floorId, reply.raw, headers);
    request.raw.on('close', () => reply.raw.end());
  }
}
