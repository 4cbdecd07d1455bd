import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Logger } from 'pino';
import { type DataSource, In } from 'typeorm';
import { Asset } from '@backend/assets/asset.entity';
import { AuditService } from '@backend/audit/audit.service';
import { hashPassword } from '@backend/auth/password';
import { SYSTEM_ACTOR } from '@backend/auth/principal';
import { User } from '@backend/auth/user.entity';
import { APP_CONFIG, type AppConfig } from '@backend/config/app-config';
import { LOGGER } from '@backend/config/config.module';
import { Device } from '@backend/devices/device.entities';
import { issueDeviceKey } from '@backend/devices/device-key';
import { findSitePlans, loadSitePlan } from '@backend/facility/site-plan';
import { DEMO_ACCOUNTS, DEMO_PASSWORD } from './demo-accounts';
import { DemoSimulator, type SimulatedReader } from './demo-simulator';

/**
 * The evaluation demo, only on embedded defaults: demo accounts, the tagged equipment listed in
 * the site plans (RFID- and BLE-tagged), API keys for the demo readers and gateways, and the
 * hospital simulator moving the equipment, its reads posted through the real ingest API.
 */
@Injectable()
export class DemoService implements OnApplicationShutdown {
  private simulator?: DemoSimulator;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly audit: AuditService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async seed(): Promise<void> {
    if (!this.config.embedded) return;
    await this.seedAccounts();
    const plans = findSitePlans(this.config.floorplansDir).map(loadSitePlan);
    await this.seedAssets(plans.flatMap((p) => p.plan.demo?.assets ?? []));
    const readers = await this.readerKeys(plans.flatMap((p) => (p.plan.devices ?? []).map((d) => d.code)));
    this.logger.warn(
      { accounts: DEMO_ACCOUNTS.map((a) => a.email), password: DEMO_PASSWORD },
      'DEMO (for evaluation only): demo accounts and simulated readers are active',
    );
    if (this.config.demo.simulator && this.config.role !== 'worker') {
      this.simulator = new DemoSimulator(readers, `http://127.0.0.1:${this.config.port}`, this.logger);
      this.simulator.prepare(plans);
    }
  }

  /** Called once the HTTP server listens (the simulator posts to it). */
  startSimulator(port: number): void {
    this.simulator?.start(`http://127.0.0.1:${port}`);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.simulator?.stop();
  }

  private async seedAccounts(): Promise<void> {
    const passwordHash = await hashPassword(DEMO_PASSWORD);
    await this.audit.transaction(SYSTEM_ACTOR, async (tx, audit) => {
      for (const account of DEMO_ACCOUNTS) {
        const exists = await tx
          .getRepository(User)
          .createQueryBuilder('u')
          .where('lower(u.email) = lower(:email)', { email: account.email })
          .getExists();
        if (exists) continue;
        const user = await tx
          .getRepository(User)
          .save(tx.getRepository(User).create({ ...account, passwordHash, active: true }));
        audit.created('user', user.id, {
          email: user.email,
          displayName: user.displayName,
          role: user.role,
          demo: true,
        });
      }
    });
  }

  private async seedAssets(
    assets: { tagId: string; name: string; assetType: string; serial?: string; homeUnit?: string; status?: string }[],
  ): Promise<void> {
    await this.audit.transaction(SYSTEM_ACTOR, async (tx, audit) => {
      for (const a of assets) {
        const tagId = a.tagId.toUpperCase();
        if (await tx.getRepository(Asset).existsBy({ tagId })) continue;
        const asset = await tx.getRepository(Asset).save(
          tx.getRepository(Asset).create({
            tagId,
            name: a.name,
            assetType: a.assetType,
            serial: a.serial ?? null,
            homeUnit: a.homeUnit ?? null,
            status: (a.status as Asset['status'] | undefined) ?? 'available',
          }),
        );
        audit.created('asset', asset.id, { tagId, name: asset.name, assetType: asset.assetType, status: asset.status });
      }
    });
  }

  /**
   * Demo readers and gateways need keys to post. They are issued once and kept, in clear, in the embedded
   * data directory (evaluation only), so restarts reuse them.
   */
  private async readerKeys(demoCodes: string[]): Promise<SimulatedReader[]> {
    const file = join(this.config.database.embeddedDataDir, '..', 'demo-device-keys.json');
    const saved: Record<string, string> = existsSync(file)
      ? (JSON.parse(readFileSync(file, 'utf8')) as Record<string, string>)
      : {};
    // Only the devices drawn in the demo plans: devices an admin registered keep their own keys.
    const devices = await this.dataSource
      .getRepository(Device)
      .find({ where: { kind: In(['rfid_reader', 'ble_gateway']), code: In(demoCodes) }, order: { code: 'ASC' } });
    const readers: SimulatedReader[] = [];
    await this.audit.transaction(SYSTEM_ACTOR, async (tx, audit) => {
      for (const device of devices) {
        let key = saved[device.id];
        if (!key || device.revokedAt || !device.keyPrefix || !key.startsWith(`wtd_${device.keyPrefix}_`)) {
          const issued = issueDeviceKey();
          await tx
            .getRepository(Device)
            .update(
              { id: device.id },
              { keyPrefix: issued.prefix, keyHash: issued.hash, keyCreatedAt: new Date(), revokedAt: null },
            );
          audit.updated(
            'device',
            device.id,
            { keyPrefix: device.keyPrefix },
            { keyPrefix: issued.prefix, keyRotated: true, demo: true },
          );
          key = issued.key;
          saved[device.id] = key;
        }
        readers.push({ deviceId: device.id, code: device.code, apiKey: key });
      }
    });
    writeFileSync(file, JSON.stringify(saved, null, 2), { mode: 0o600 });
    return readers;
  }
}
