import { Body, Controller, Get, Param, ParseUUIDPipe, Patch, Post } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { UserDto } from '@wardtrack/contracts';
import { Roles } from './access.decorator';
import { CreateUserBody, UpdateUserBody } from './auth.dto';
import { type Actor, CurrentActor } from './principal';
import type { User } from './user.entity';
import { toUserDto, UsersService } from './users.service';

interface UserAdminDto extends UserDto {
  active: boolean;
  /** Sites the user may see; empty = all. */
  scopeSiteIds: string[];
  /** Care units the user may see; empty = all. */
  scopeCareUnits: string[];
}

function toUserAdminDto(user: User): UserAdminDto {
  return {
    ...toUserDto(user),
    active: user.active,
    scopeSiteIds: user.scopeSiteIds,
    scopeCareUnits: user.scopeCareUnits,
  };
}

@ApiTags('users')
@Controller('users')
export class UsersController {
  constructor(private readonly users: UsersService) {}

  @Get()
  @Roles('admin')
  @ApiOperation({ summary: 'List user accounts' })
  async list(): Promise<UserAdminDto[]> {
    return (await this.users.list()).map(toUserAdminDto);
  }

  @Post()
  @Roles('admin')
  @ApiOperation({ summary: 'Create a user account' })
  async create(@CurrentActor() actor: Actor, @Body() body: CreateUserBody): Promise<UserAdminDto> {
    const user = await this.users.create(actor, body);
    return toUserAdminDto(user);
  }

  @Patch(':id')
  @Roles('admin')
  @ApiOperation({ summary: 'Change, disable or reset the password of a user account' })
  async update(
    @CurrentActor() actor: Actor,
    @Param('id', ParseUUIDPipe) id: string,
    @Body() body: UpdateUserBody,
  ): Promise<UserAdminDto> {
    const user = await this.users.update(actor, id, body);
    return toUserAdminDto(user);
  }
}
