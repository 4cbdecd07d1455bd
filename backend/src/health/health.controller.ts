import { Controller, Get, Inject, ServiceUnavailableException } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { InjectDataSource } from '@nestjs/typeorm';
import type { HealthDto } from '@wardtrack/contracts';
import type { DataSource } from 'typeorm';
import { Public } from '@backend/auth/access.decorator';
import { APP_CONFIG, type AppConfig } from '@backend/config/app-config';
import { BATCH_QUEUE, type BatchQueue } from '@backend/queue/queue.contract';

@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(BATCH_QUEUE) private readonly queue: BatchQueue,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  @Get()
  @Public()
  @ApiOperation({ summary: 'Liveness and readiness: database and queue reachable (503 if not)' })
  async health(): Promise<HealthDto> {
    const database = await this.dataSource
      .query('SELECT 1')
      .then(() => 'up' as const)
      .catch(() => 'down' as const);
    const queue = (await this.queue.isHealthy()) ? ('up' as const) : ('down' as const);
    const body: HealthDto = {
      status: database === 'up' && queue === 'up' ? 'ok' : 'degraded',
      database,
      queue,
      queueKind: this.queue.kind,
      role: this.config.role,
      version: this.config.version,
    };
    if (body.status !== 'ok') throw new ServiceUnavailableException(`database ${database}, queue ${queue}`);
    return body;
  }
}
