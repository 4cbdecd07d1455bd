import { Module } from '@nestjs/common';
import { DemoService } from './demo.service';

/** Loaded only on embedded defaults (no DATABASE_URL). */
@Module({ providers: [DemoService], exports: [DemoService] })
export class DemoModule {}
