import { type DynamicModule, Global, Module, type Provider } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AccessGuard } from '@backend/auth/access.guard';
import { SessionsService } from '@backend/auth/sessions.service';
import { TokenService } from '@backend/auth/token.service';
import { User } from '@backend/auth/user.entity';
import { UsersService } from '@backend/auth/users.service';
import type { AppConfig } from '@backend/config/app-config';
import { DeviceKeyService } from '@backend/devices/device-key.service';
import { MetricsController } from './metrics.controller';
import { MetricsService } from './metrics.service';

/**
 * Prometheus metrics for every process. The api role's AuthModule already puts the AccessGuard in
 * front of every route; a worker-only process has no AuthModule, so this module installs the same
 * guard there (with only what it needs to check a token), and /metrics is refused the same way.
 */
@Global()
@Module({})
export class MetricsModule {
  static forRoot(config: AppConfig): DynamicModule {
    const workerOnly = config.role === 'worker';
    const guard: Provider[] = workerOnly
      ? [TokenService, SessionsService, UsersService, DeviceKeyService, { provide: APP_GUARD, useClass: AccessGuard }]
      : [];
    return {
      module: MetricsModule,
      imports: workerOnly ? [TypeOrmModule.forFeature([User])] : [],
      controllers: [MetricsController],
      providers: [MetricsService, ...guard],
      exports: [MetricsService],
    };
  }
}
