import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { Antenna, Device } from './device.entities';
import { DeviceKeyService } from './device-key.service';
import { DevicesController } from './devices.controller';
import { DevicesService } from './devices.service';

@Module({
  imports: [TypeOrmModule.forFeature([Device, Antenna])],
  controllers: [DevicesController],
  providers: [DevicesService, DeviceKeyService],
  exports: [DevicesService, DeviceKeyService],
})
export class DevicesModule {}
