import { randomBytes } from 'node:crypto';
import {
  type BeforeApplicationShutdown,
  HttpException,
  Inject,
  Injectable,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { connect, type MqttClient } from 'mqtt';
import type { Logger } from 'pino';
import type { DataSource } from 'typeorm';
import type { DevicePrincipal } from '@backend/auth/principal';
import { APP_CONFIG, type AppConfig } from '@backend/config/app-config';
import { LOGGER } from '@backend/config/config.module';
import { RawIngestBody } from '@backend/ingest/body-parsers';
import { IngestService } from '@backend/ingest/ingest.service';
import { backoffMs, subscriptionChanges } from './mqtt-topic';

/** Devices' topics are re-read this often (and at once after a change through the API). */
export const REFRESH_MS = 30_000;

interface TopicDeviceRow {
  id: string;
  code: string;
  kind: string;
  vendor_format: string;
  mqtt_topic: string;
  time_zone: string | null;
}

/**
 * MQTT ingest: subscribes (QoS 1) to the topic of every device that has one and hands each message
 * to IngestService.ingest with the device as principal, exactly like an HTTP post of the same body
 * (same validation, dedupe, device health, rate limit). A rejected message is logged with the device
 * code and dropped; nothing a device sends can stop the subscriber. The connection is re-established
 * after any loss with a capped exponential backoff, and every topic is subscribed to again.
 */
@Injectable()
export class MqttIngestService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private mqtt: MqttClient | null = null;
  private devices = new Map<string, DevicePrincipal>();
  private subscribed = new Set<string>();
  private attempt = 0;
  private reconnectTimer: NodeJS.Timeout | null = null;
  private refreshTimer: NodeJS.Timeout | null = null;
  private stopped = false;
  private refreshing: Promise<void> = Promise.resolve();
  private connected = false;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly ingest: IngestService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  /** The broker connection (tests use it to drop the socket). */
  get client(): MqttClient | null {
    return this.mqtt;
  }

  /** True while connected and subscribed to every device topic. */
  isReady(): boolean {
    return this.connected && [...this.devices.keys()].every((t) => this.subscribed.has(t));
  }

  async onApplicationBootstrap(): Promise<void> {
    const url = this.config.mqtt.url;
    if (!url) return;
    this.stopped = false;
    await this.refresh().catch((err: unknown) => this.logger.warn({ err }, 'mqtt: could not read device topics'));
    this.mqtt = connect(url, {
      clientId: `wardtrack-${randomBytes(6).toString('hex')}`,
      clean: true,
      // Reconnects are ours: a capped exponential backoff instead of mqtt.js' fixed period.
      reconnectPeriod: 0,
      connectTimeout: 10_000,
      ...(this.config.mqtt.username === null ? {} : { username: this.config.mqtt.username }),
      ...(this.config.mqtt.password === null ? {} : { password: this.config.mqtt.password }),
    });
    this.mqtt.on('connect', () => this.onConnect());
    this.mqtt.on('close', () => this.onClose());
    this.mqtt.on('error', (err) => this.logger.warn({ err: err.message }, 'mqtt: connection error'));
    this.mqtt.on('message', (topic, payload) => {
      void this.onMessage(topic, payload, Date.now());
    });
    this.scheduleRefresh();
    this.logger.info({ url: redact(url) }, 'mqtt ingest started');
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopped = true;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    if (this.refreshTimer) clearTimeout(this.refreshTimer);
    this.reconnectTimer = this.refreshTimer = null;
    const client = this.mqtt;
    this.mqtt = null;
    if (client) await client.endAsync(true).catch(() => undefined);
  }

  /** Re-reads the devices' topics and (un)subscribes to match; runs never overlap. */
  refresh(): Promise<void> {
    const run = this.refreshing.then(() => this.loadAndSync());
    this.refreshing = run.catch(() => undefined);
    return run;
  }

  private async loadAndSync(): Promise<void> {
    // The site's time zone comes with the device, as for an HTTP post (see DeviceKeyService).
    const rows = await this.dataSource.query<TopicDeviceRow[]>(
      `SELECT d.id, d.code, d.kind, d.vendor_format, d.mqtt_topic, s.time_zone
       FROM device d
       LEFT JOIN floor f ON f.id = COALESCE(d.floor_id,
         (SELECT z.floor_id FROM antenna a JOIN zone z ON z.id = a.zone_id WHERE a.device_id = d.id LIMIT 1))
       LEFT JOIN building b ON b.id = f.building_id
       LEFT JOIN site s ON s.id = b.site_id
       WHERE d.mqtt_topic IS NOT NULL AND d.revoked_at IS NULL`,
    );
    this.devices = new Map(
      rows.map((r) => [
        r.mqtt_topic,
        {
          type: 'device',
          id: r.id,
          code: r.code,
          kind: r.kind,
          vendorFormat: r.vendor_format,
          timeZone: r.time_zone,
        },
      ]),
    );
    await this.sync();
  }

  private async sync(): Promise<void> {
    const client = this.mqtt;
    if (!client || !this.connected) return;
    const { subscribe, unsubscribe } = subscriptionChanges(this.subscribed, new Set(this.devices.keys()));
    if (unsubscribe.length > 0) {
      await client.unsubscribeAsync(unsubscribe);
      for (const t of unsubscribe) this.subscribed.delete(t);
    }
    if (subscribe.length > 0) {
      const granted = await client.subscribeAsync(subscribe, { qos: 1 });
      for (const g of granted) {
        // 128 is the broker's refusal (ACL): say so, and try again on the next refresh.
        if (g.qos === 128) this.logger.warn({ topic: g.topic }, 'mqtt: broker refused the subscription');
        else this.subscribed.add(g.topic);
      }
      this.logger.info({ topics: subscribe.length }, 'mqtt: subscribed');
    }
  }

  private onConnect(): void {
    this.connected = true;
    this.attempt = 0;
    // A clean session starts with no subscriptions: subscribe to every topic again.
    this.subscribed.clear();
    this.logger.info('mqtt: connected');
    this.sync().catch((err: unknown) => this.logger.warn({ err }, 'mqtt: subscribing failed'));
  }

  private onClose(): void {
    this.connected = false;
    this.subscribed.clear();
    if (this.stopped || this.reconnectTimer) return;
    const wait = backoffMs(this.attempt++);
    this.logger.warn({ retryInMs: wait }, 'mqtt: connection lost; reconnecting');
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      if (!this.stopped) this.mqtt?.reconnect();
    }, wait);
    this.reconnectTimer.unref();
  }

  private scheduleRefresh(): void {
    if (this.stopped) return;
    this.refreshTimer = setTimeout(() => {
      this.refreshTimer = null;
      this.refresh()
        .catch((err: unknown) => this.logger.warn({ err }, 'mqtt: could not refresh device topics'))
        .finally(() => this.scheduleRefresh());
    }, REFRESH_MS);
    this.refreshTimer.unref();
  }

  /** One message: the device owning the topic posts its payload, as over HTTP. Never throws. */
  private async onMessage(topic: string, payload: Buffer, now: number): Promise<void> {
    const device = this.devices.get(topic);
    if (!device) return;
    try {
      await this.ingest.ingest(device, device.vendorFormat, bodyOf(payload, device.vendorFormat), undefined, now);
    } catch (err) {
      const detail =
        err instanceof HttpException
          ? { status: err.getStatus(), response: err.getResponse() }
          : { err: err instanceof Error ? err.message : String(err) };
      this.logger.warn({ device: device.code, topic, ...detail }, `mqtt: message from ${device.code} rejected`);
    }
  }
}

/**
 * The message as IngestService takes an HTTP body: the generic format gets parsed JSON, the vendor
 * formats the raw text, which they split themselves (arrays, NDJSON, objects back to back, lines).
 */
export function bodyOf(payload: Buffer, format: string): unknown {
  const text = payload.toString('utf8');
  if (format !== 'generic') return new RawIngestBody(text, 'application/json');
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return new RawIngestBody(text, 'application/json');
  }
}

/** A broker URL without its password, for logs. */
function redact(url: string): string {
  return url.replace(/\/\/([^:/@]+):[^@]*@/, '//$1:***@');
}
