import { BadRequestException, ConflictException, Injectable, NotFoundException } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { In, type EntityManager, type Repository } from 'typeorm';
import { AuditService } from '@backend/audit/audit.service';
import type { Actor } from '@backend/auth/principal';
import { Floor, Zone } from '@backend/facility/facility.entities';
import { Antenna, Device } from './device.entities';
import { issueDeviceKey } from './device-key';
import { DeviceKeyService } from './device-key.service';
import type { AntennaDto, CreateDeviceBody, DeviceDto, DeviceWithKeyDto } from './devices.dto';

export function toDeviceDto(device: Device, antennas: Antenna[], readsPerMinute = 0): DeviceDto {
  return {
    id: device.id,
    code: device.code,
    name: device.name,
    kind: device.kind,
    vendorFormat: device.vendorFormat,
    floorId: device.floorId,
    x: device.x,
    y: device.y,
    keyPrefix: device.keyPrefix,
    revokedAt: device.revokedAt?.toISOString() ?? null,
    lastSeenAt: device.lastSeenAt?.toISOString() ?? null,
    readsPerMinute,
    lastError: device.lastError ?? null,
    lastErrorAt: device.lastErrorAt?.toISOString() ?? null,
    clockSkewMs: device.clockSkewMs ?? null,
    antennas: antennas
      .filter((a) => a.deviceId === device.id)
      .sort((a, b) => a.port - b.port)
      .map((a): AntennaDto => ({ port: a.port, zoneId: a.zoneId, side: a.side })),
  };
}

/** What the audit log keeps of a device: never the key or its hash. */
function auditView(device: DeviceDto): Record<string, unknown> {
  // Health figures change with every batch: they are not part of what an admin changed.
  const {
    lastSeenAt: _lastSeen,
    readsPerMinute: _rate,
    lastError: _error,
    lastErrorAt: _errorAt,
    clockSkewMs: _skew,
    ...rest
  } = device;
  return rest;
}

@Injectable()
export class DevicesService {
  constructor(
    @InjectRepository(Device) private readonly devices: Repository<Device>,
    @InjectRepository(Antenna) private readonly antennas: Repository<Antenna>,
    private readonly audit: AuditService,
    private readonly deviceKeys: DeviceKeyService,
  ) {}

  async list(): Promise<DeviceDto[]> {
    const [devices, antennas, rates] = await Promise.all([
      this.devices.find({ order: { code: 'ASC' } }),
      this.antennas.find(),
      this.readsPerMinute(),
    ]);
    return devices.map((d) => toDeviceDto(d, antennas, rates.get(d.id) ?? 0));
  }

  /** Reads per device accepted in the last minute, from the batch ledger (indexed by device and time). */
  private async readsPerMinute(deviceId?: string): Promise<Map<string, number>> {
    const rows = await this.devices.query<{ device_id: string; reads: number }[]>(
      `SELECT device_id, sum(read_count)::int AS reads FROM ingest_batch
       WHERE received_at > now() - interval '1 minute' AND ($1::uuid IS NULL OR device_id = $1)
       GROUP BY device_id`,
      [deviceId ?? null],
    );
    return new Map(rows.map((r) => [r.device_id, r.reads]));
  }

  async get(id: string): Promise<DeviceDto> {
    const device = await this.devices.findOneBy({ id });
    if (!device) throw new NotFoundException(`Device ${id} not found`);
    const rates = await this.readsPerMinute(id);
    return toDeviceDto(device, await this.antennas.findBy({ deviceId: id }), rates.get(id) ?? 0);
  }

  /** Registers a device and issues its API key, returned this once only. */
  async create(actor: Actor, body: CreateDeviceBody): Promise<DeviceWithKeyDto> {
    const issued = issueDeviceKey();
    return this.audit.transaction(actor, async (tx, audit) => {
      if (await tx.getRepository(Device).existsBy({ code: body.code })) {
        throw new ConflictException(`A device with code ${body.code} already exists`);
      }
      await this.checkPlacement(tx, body);
      const device = await tx.getRepository(Device).save(
        tx.getRepository(Device).create({
          code: body.code,
          name: body.name,
          kind: body.kind,
          vendorFormat: body.vendorFormat,
          floorId: body.floorId ?? null,
          x: body.x ?? null,
          y: body.y ?? null,
          keyPrefix: issued.prefix,
          keyHash: issued.hash,
          keyCreatedAt: new Date(),
          revokedAt: null,
          lastSeenAt: null,
        }),
      );
      const antennas = await tx
        .getRepository(Antenna)
        .save(
          (body.antennas ?? []).map((a) =>
            tx
              .getRepository(Antenna)
              .create({ deviceId: device.id, port: a.port, zoneId: a.zoneId, side: a.side ?? null }),
          ),
        );
      const dto = toDeviceDto(device, antennas);
      audit.created('device', device.id, auditView(dto));
      return { ...dto, apiKey: issued.key };
    });
  }

  /**
   * Issues a new key. The old one keeps working for `graceMinutes` (0: stops at once), so a
   * reader can be reconfigured without losing reads.
   */
  async rotateKey(actor: Actor, id: string, graceMinutes: number): Promise<DeviceWithKeyDto> {
    const issued = issueDeviceKey();
    const result = await this.audit.transaction(actor, async (tx, audit) => {
      const device = await tx.getRepository(Device).findOne({ where: { id }, lock: { mode: 'pessimistic_write' } });
      if (!device) throw new NotFoundException(`Device ${id} not found`);
      const antennas = await tx.getRepository(Antenna).findBy({ deviceId: id });
      const before = toDeviceDto(device, antennas);
      await tx.query(
        `UPDATE device SET previous_key_prefix = CASE WHEN revoked_at IS NULL THEN key_prefix END,
           previous_key_hash = CASE WHEN revoked_at IS NULL THEN key_hash END,
           previous_key_valid_until = now() + make_interval(mins => $2),
           key_prefix = $3, key_hash = $4, key_created_at = now(), revoked_at = NULL, updated_at = now()
         WHERE id = $1`,
        [id, graceMinutes, issued.prefix, issued.hash],
      );
      Object.assign(device, { keyPrefix: issued.prefix, keyCreatedAt: new Date(), revokedAt: null });
      const after = toDeviceDto(device, antennas);
      audit.updated('device', id, auditView(before), {
        ...auditView(after),
        keyRotated: true,
        previousKeyGraceMinutes: graceMinutes,
      });
      return { ...after, apiKey: issued.key };
    });
    this.deviceKeys.forget(id);
    return result;
  }

  /** Revokes the device's key: its posts are refused from now on. */
  async revoke(actor: Actor, id: string): Promise<DeviceDto> {
    const result = await this.audit.transaction(actor, async (tx, audit) => {
      const device = await tx.getRepository(Device).findOne({ where: { id }, lock: { mode: 'pessimistic_write' } });
      if (!device) throw new NotFoundException(`Device ${id} not found`);
      const antennas = await tx.getRepository(Antenna).findBy({ deviceId: id });
      const before = toDeviceDto(device, antennas);
      device.revokedAt = new Date();
      await tx.getRepository(Device).save(device);
      await tx.query(`UPDATE device SET previous_key_valid_until = NULL WHERE id = $1`, [id]);
      const after = toDeviceDto(device, antennas);
      audit.updated('device', id, auditView(before), auditView(after));
      return after;
    });
    this.deviceKeys.forget(id);
    return result;
  }

  private async checkPlacement(tx: EntityManager, body: CreateDeviceBody): Promise<void> {
    if (body.floorId && !(await tx.getRepository(Floor).existsBy({ id: body.floorId }))) {
      throw new BadRequestException(`floorId: floor ${body.floorId} does not exist`);
    }
    const ports = new Set<number>();
    for (const [i, a] of (body.antennas ?? []).entries()) {
      if (ports.has(a.port)) throw new BadRequestException(`antennas[${i}].port: port ${a.port} is listed twice`);
      ports.add(a.port);
    }
    const zoneIds = [...new Set((body.antennas ?? []).map((a) => a.zoneId))];
    if (zoneIds.length > 0) {
      const found = new Set((await tx.getRepository(Zone).findBy({ id: In(zoneIds) })).map((z) => z.id));
      const i = (body.antennas ?? []).findIndex((a) => !found.has(a.zoneId));
      if (i >= 0)
        throw new BadRequestException(`antennas[${i}].zoneId: zone ${body.antennas![i].zoneId} does not exist`);
    }
  }
}
