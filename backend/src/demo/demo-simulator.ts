import type { Logger } from 'pino';
import type { LoadedSitePlan } from '@backend/facility/site-plan';
import type { HospitalSimulator } from '@backend/simulator';
import { demoHospital, toGenericReads } from './demo-traffic';

export interface SimulatedReader {
  deviceId: string;
  code: string;
  apiKey: string;
}

const TICK_MS = 1_000;
/** The same demo day every run (the clock differs, the story does not). */
const DEMO_SEED = 2026;

/**
 * Drives the demo: every second, each demo reader and gateway posts what it heard of the
 * simulated equipment to the real ingest API, one generic-format batch per device.
 */
export class DemoSimulator {
  private hospitals: HospitalSimulator[] = [];
  private timer?: NodeJS.Timeout;
  private inFlight = Promise.resolve();
  private baseUrl: string;
  private readonly readersByCode: Map<string, SimulatedReader>;

  constructor(
    readers: SimulatedReader[],
    baseUrl: string,
    private readonly logger: Logger,
  ) {
    this.baseUrl = baseUrl;
    this.readersByCode = new Map(readers.map((r) => [r.code, r]));
  }

  prepare(plans: LoadedSitePlan[], now = Date.now()): void {
    this.hospitals = plans
      .map((p) => demoHospital(p.plan, DEMO_SEED, now))
      .filter((h): h is HospitalSimulator => h !== null);
    this.logger.info(
      { tags: this.hospitals.reduce((n, h) => n + h.tagIds.length, 0), devices: this.readersByCode.size },
      'demo simulator ready',
    );
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
    const now = Date.now();
    const posts: Promise<void>[] = [];
    for (const hospital of this.hospitals)
      for (const [code, observations] of hospital.tick(now)) {
        const reader = this.readersByCode.get(code);
        if (reader) posts.push(this.post(reader, toGenericReads(observations)));
      }
    await Promise.all(posts);
  }

  private async post(reader: SimulatedReader, reads: ReturnType<typeof toGenericReads>): Promise<void> {
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
  }
}
