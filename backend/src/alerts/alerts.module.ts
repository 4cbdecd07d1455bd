import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { Alert } from './alert.entity';
import { AlertEvaluatorService } from './alert-evaluator.service';
import { AlertsController } from './alerts.controller';
import { AlertsService } from './alerts.service';

/** The alert store, for any module that raises, resolves or reads alerts. No routes. */
@Module({ imports: [TypeOrmModule.forFeature([Alert])], providers: [AlertsService], exports: [AlertsService] })
export class AlertsCoreModule {}

/** API role: the alert endpoints. */
@Module({ imports: [AlertsCoreModule], controllers: [AlertsController] })
export class AlertsModule {}

/** Worker role: evaluates the alert rules on a timer. */
@Module({ imports: [AlertsCoreModule], providers: [AlertEvaluatorService], exports: [AlertEvaluatorService] })
export class AlertsWorkerModule {}
