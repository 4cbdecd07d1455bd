import { Controller, Get, Query, UnprocessableEntityException } from '@nestjs/common';
import { ApiOperation, ApiProperty, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { WalkingRouteDto } from '@wardtrack/contracts';
import { IsUUID } from 'class-validator';
import { AnyStaff } from '@backend/auth/access.decorator';
import { WalkingService } from './walking.service';

export class RouteQuery {
  /** Zone to start from (its label point). */
  @ApiProperty({ format: 'uuid' }) @IsUUID() fromZone: string;
  /** Zone to go to (its label point). */
  @ApiProperty({ format: 'uuid' }) @IsUUID() toZone: string;
}

@ApiTags('facility')
@Controller('route')
export class WalkingController {
  constructor(private readonly walking: WalkingService) {}

  @Get()
  @AnyStaff()
  @ApiOperation({ summary: 'Walking route between two zones, through doors, lifts and stairs' })
  @ApiResponse({ status: 400, description: 'fromZone or toZone missing or not a UUID' })
  @ApiResponse({ status: 404, description: 'A zone does not exist' })
  @ApiResponse({ status: 422, description: 'No walking route joins the two zones (e.g. different sites)' })
  async route(@Query() query: RouteQuery): Promise<WalkingRouteDto> {
    const route = await this.walking.route(query.fromZone, query.toZone);
    if (!route)
      throw new UnprocessableEntityException(`No walking route from zone ${query.fromZone} to ${query.toZone}`);
    return route;
  }
}
