import { Module } from '@nestjs/common';
import { LocationModule } from '@backend/location/location.module';
import { LiveController } from './live.controller';
import { LiveService } from './live.service';

/** Live push to browsers (Server-Sent Events per floor), fed by the domain events. */
@Module({ imports: [LocationModule], controllers: [LiveController], providers: [LiveService] })
export class RealtimeModule {}
