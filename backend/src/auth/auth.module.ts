import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DevicesModule } from '@backend/devices/devices.module';
import { AccessGuard } from './access.guard';
import { AuthController } from './auth.controller';
import { AuthService } from './auth.service';
import { LoginThrottleService } from './login-throttle.service';
import { OidcController } from './oidc/oidc.controller';
import { OidcService } from './oidc/oidc.service';
import { SessionsService } from './sessions.service';
import { TokenService } from './token.service';
import { User } from './user.entity';
import { UsersController } from './users.controller';
import { UsersService } from './users.service';

@Module({
  imports: [TypeOrmModule.forFeature([User]), DevicesModule],
  controllers: [AuthController, UsersController, OidcController],
  providers: [
    AuthService,
    TokenService,
    UsersService,
    SessionsService,
    LoginThrottleService,
    OidcService,
    { provide: APP_GUARD, useClass: AccessGuard },
  ],
  exports: [UsersService, TokenService],
})
export class AuthModule {}
