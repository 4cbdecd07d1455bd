import { BadRequestException, ConflictException, Injectable, NotFoundException, Optional } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { AuditService } from '@backend/audit/audit.service';
import type { Actor } from '@backend/auth/principal';
import type { DeviceMqttDto, TagTelemetryDto } from './mqtt.dto';
import { MqttIngestService } from './mqtt-ingest.service';
import { topicProblem } from './mqtt-topic';

interface DeviceTopicRow {
  id: string;
  code: string;
  vendor_format: string;
  mqtt_topic: string | null;
}

/** The admin side of MQTT ingest (which topic a device publishes to) and tag telemetry reads. */
@Injectable()
export class MqttAdminService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly audit: AuditService,
    @Optional() private readonly ingest?: MqttIngestService,
  ) {}

  /** Sets (or clears, with null) the topic a device publishes to; audited; the subscriber follows at once. */
  async setTopic(actor: Actor, deviceId: string, topic: string | null): Promise<DeviceMqttDto> {
    const problem = topic === null ? null : topicProblem(topic);
    if (problem !== null) throw new BadRequestException(`topic ${problem}`);
    const result = await this.audit.transaction(actor, async (tx, audit) => {
      const [device] = await tx.query<DeviceTopicRow[]>(
        `SELECT id, code, vendor_format, mqtt_topic FROM device WHERE id = $1 FOR UPDATE`,
        [deviceId],
      );
      if (!device) throw new NotFoundException(`Device ${deviceId} not found`);
      if (topic !== null) {
        const taken = await tx.query<{ code: string }[]>(`SELECT code FROM device WHERE mqtt_topic = $1 AND id <> $2`, [
          topic,
          deviceId,
        ]);
        if (taken.length > 0) throw new ConflictException(`Topic ${topic} is already used by device ${taken[0].code}`);
      }
      await tx.query(`UPDATE device SET mqtt_topic = $2, updated_at = now() WHERE id = $1`, [deviceId, topic]);
      if (device.mqtt_topic !== topic) {
        audit.updated('device', deviceId, { mqttTopic: device.mqtt_topic }, { mqttTopic: topic });
      }
      return { deviceId, code: device.code, vendorFormat: device.vendor_format, topic };
    });
    await this.ingest?.refresh();
    return result;
  }

  async telemetry(tagId: string): Promise<TagTelemetryDto> {
    const [row] = await this.dataSource.query<
      {
        tag_id: string;
        battery_mv: number | null;
        battery_percent: number | null;
        temperature_c: number | null;
        address_type: 'public' | 'random' | null;
        updated_at: Date;
      }[]
    >(
      `SELECT tag_id, battery_mv, battery_percent, temperature_c, address_type, updated_at FROM tag_telemetry WHERE tag_id = $1`,
      [tagId],
    );
    if (!row) throw new NotFoundException(`No telemetry for tag ${tagId}`);
    return {
      tagId: row.tag_id,
      batteryMv: row.battery_mv,
      batteryPercent: row.battery_percent,
      temperatureC: row.temperature_c,
      addressType: row.address_type,
      updatedAt: row.updated_at.toISOString(),
    };
  }
}
