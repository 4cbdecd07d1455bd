import type { Logger } from 'pino';
import type { DataSource } from 'typeorm';
import type { LoadedSitePlan } from '@backend/facility/site-plan';
import { DemoWorld, type Spot } from './demo-world';

export interface SimulatedReader {
  deviceId: string;
  code: string;
  apiKey: string;
}

const TICK_MS = 1_000;
// Equipment wanders between rooms, bays and stores; it does not walk out of the building in the demo.
const NO_WANDER_KINDS = ['doorway', 'exit', 'loading_dock', 'stairs', 'elevator', 'cabinet', 'waste'];

/** Drives the demo: every second, each demo reader posts what it hears to the real ingest API. */
export class DemoSimulator {
  private world?: DemoWorld;
  private timer?: NodeJS.Timeout;
  private inFlight = Promise.resolve();
  private baseUrl: string;

  constructor(
    private readonly dataSource: DataSource,
    private readonly readers: SimulatedReader[],
    baseUrl: string,
    private readonly logger: Logger,
  ) {
    this.baseUrl = baseUrl;
  }

  async prepare(plans: LoadedSitePlan[]): Promise<void> {
    const spots: Spot[] = (
      await this.dataSource.query<Spot[]>(
        `SELECT a.device_id AS "deviceId", a.port, z.id AS "zoneId", z.floor_id AS "floorId"
         FROM antenna a JOIN zone z ON z.id = a.zone_id
         WHERE z.kind <> ALL($1) ORDER BY a.device_id, a.port`,
        [NO_WANDER_KINDS],
      )
    ).filter((s) => this.readers.some((r) => r.deviceId === s.deviceId));
    const tagIds = plans.flatMap((p) => (p.plan.demo?.assets ?? []).map((a) => a.tagId.toUpperCase()));
    this.world = new DemoWorld(spots, tagIds, Math.random, Date.now());
    this.logger.info({ tags: tagIds.length, spots: spots.length }, 'demo simulator ready');
  }

  start(baseUrl: string): void {
    this.baseUrl = baseUrl;
    this.timer = setInterval(() => {
      // Never overlap ticks: a slow machine skips a beat rather than piling up requests.
      this.inFlight = this.inFlight.then(() => this.tick());
    }, TICK_MS);
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.inFlight;
  }

  private async tick(): Promise<void> {
    if (!this.world) return;
    const now = Date.now();
    this.world.advance(now);
    const posts = [...this.world.readsByDevice(now)].map(async ([deviceId, reads]) => {
      const reader = this.readers.find((r) => r.deviceId === deviceId);
      if (!reader) return;
      try {
        const response = await fetch(`${this.baseUrl}/api/v1/ingest/generic`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-api-key': reader.apiKey },
          body: JSON.stringify({ reads }),
        });
        if (response.status !== 202)
          this.logger.warn({ reader: reader.code, status: response.status }, 'demo post refused');
      } catch (err) {
        this.logger.debug({ reader: reader.code, err: (err as Error).message }, 'demo post failed');
      }
    });
    await Promise.all(posts);
  }
}
