import { Module } from '@nestjs/common';
import { EpcController } from './epc.controller';

/** GS1 EPC decoding: the pure decoder (epc.ts) and its read endpoint. */
@Module({
  controllers: [EpcController],
})
export class EpcModule {}
