import { Body, Controller, Get, Headers, HttpCode, Ip, NotFoundException, Post } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { LoginResponse, UserDto } from '@wardtrack/contracts';
import { AnyStaff, Public } from './access.decorator';
import { LoginBody, RefreshBody } from './auth.dto';
import { AuthService, type DemoAccountsDto } from './auth.service';
import { CurrentPrincipal, type UserPrincipal } from './principal';

@ApiTags('auth')
@Controller('auth')
export class AuthController {
  constructor(private readonly auth: AuthService) {}

  @Post('login')
  @Public()
  @HttpCode(200)
  @ApiOperation({ summary: 'Sign in with e-mail and password; returns a bearer token' })
  login(@Body() body: LoginBody, @Ip() ip: string, @Headers('user-agent') userAgent?: string): Promise<LoginResponse> {
    return this.auth.login(body.email, body.password, { ip, userAgent: userAgent ?? null });
  }

  @Post('refresh')
  @Public()
  @HttpCode(200)
  @ApiOperation({ summary: 'Exchange the single-use refresh token for a new access token and refresh token' })
  refresh(@Body() body: RefreshBody): Promise<LoginResponse> {
    return this.auth.refresh(body.refreshToken);
  }

  @Post('logout')
  @AnyStaff()
  @HttpCode(204)
  @ApiOperation({ summary: 'End this session: its refresh token and access tokens stop working' })
  logout(@CurrentPrincipal() principal: UserPrincipal): Promise<void> {
    return this.auth.logout(principal);
  }

  @Get('me')
  @AnyStaff()
  @ApiOperation({ summary: 'The signed-in user' })
  me(@CurrentPrincipal() principal: UserPrincipal): UserDto {
    return { id: principal.id, email: principal.email, displayName: principal.displayName, role: principal.role };
  }

  @Get('demo')
  @Public()
  @ApiOperation({ summary: 'Demo accounts (embedded evaluation setup only; 404 otherwise)' })
  demo(): DemoAccountsDto {
    const demo = this.auth.demoAccounts();
    if (!demo) throw new NotFoundException();
    return demo;
  }
}
