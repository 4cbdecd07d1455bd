/** A batch may come this much later than its device's usual interval (network, queue, clock), ms. */
const POST_SLACK_MS = 500;

/** Deliveries closer than this are parts of one batch (its partitions), not two batches, ms. */
const SAME_BATCH_MS = 100;

/** How fast the learnt interval follows longer intervals (it follows shorter ones at once). */
const INTERVAL_RISE = 0.1;

/**
 * What the engine knows of each device's deliveries (per device index of the CompiledTopology):
 * how far it has delivered what it heard (its newest read, or the time of a batch or heartbeat
 * it sent), when its last batch was received and how often it posts. A device that posts in
 * batches — every few seconds, each at its own phase — still holds the reads of the last seconds
 * when another device's batch arrives: the engine waits for it before deciding the moments it may
 * still hold, and accepts its reads that much later.
 */
export class DeviceDelivery {
  /** Device time up to which the device has delivered what it heard. */
  private upTo: Float64Array;
  /** Server time its last batch was received (-Infinity: never told). */
  private lastPostAt: Float64Array;
  /** Its posting interval: the shortest of its recent intervals, rising slowly when they grow; 0 = unknown. */
  private interval: Float64Array;

  /** The longest lateAllowance of any device: 0 while no device posts in batches. */
  longestAllowance = 0;

  constructor(
    size: number,
    private readonly batchPostMs: number,
    private readonly maxBatchLagMs: number,
  ) {
    this.upTo = new Float64Array(size).fill(-Infinity);
    this.lastPostAt = new Float64Array(size).fill(-Infinity);
    this.interval = new Float64Array(size);
  }

  /** Device `d` delivered a read heard at `seenAt`. */
  read(d: number, seenAt: number): void {
    if (seenAt > this.upTo[d]) this.upTo[d] = seenAt;
  }

  /** Device `d` sent a batch (or heartbeat) received at `receivedAt` (server time) covering what it heard up to `upTo`. */
  delivered(d: number, upTo: number, receivedAt: number): void {
    if (upTo > this.upTo[d]) this.upTo[d] = upTo;
    const last = this.lastPostAt[d];
    const gap = receivedAt - last;
    if (gap < SAME_BATCH_MS) return;
    if (last !== -Infinity) {
      const before = this.lateAllowance(d);
      const current = this.interval[d];
      this.interval[d] = current === 0 || gap < current ? gap : current + INTERVAL_RISE * (gap - current);
      const after = this.lateAllowance(d);
      if (after >= this.longestAllowance) this.longestAllowance = after;
      else if (before === this.longestAllowance) {
        // The device that had the longest allowance now has less: look for the longest again.
        this.longestAllowance = 0;
        for (let i = 0; i < this.interval.length; i++)
          this.longestAllowance = Math.max(this.longestAllowance, this.lateAllowance(i));
      }
    }
    this.lastPostAt[d] = receivedAt;
  }

  /** How far device `d` has delivered, if decisions must wait for it at server time `now`; Infinity if not. */
  waitFor(d: number, now: number): number {
    if (!this.postsInBatches(d)) return Infinity;
    // Overdue: switched off, unplugged, or nothing more to say — its silence holds nothing back.
    if (now > this.lastPostAt[d] + this.interval[d] + POST_SLACK_MS) return Infinity;
    return this.upTo[d];
  }

  /** How much later than other devices' reads device `d`'s reads may come: its interval when it posts in batches, else 0. */
  lateAllowance(d: number): number {
    return this.postsInBatches(d) ? this.interval[d] + POST_SLACK_MS : 0;
  }

  /** Device `d`'s batches come batchPostMs to maxBatchLagMs apart: decisions wait for it. */
  private postsInBatches(d: number): boolean {
    const every = this.interval[d];
    return every >= this.batchPostMs && every <= this.maxBatchLagMs;
  }

  /** The same knowledge for a new device list (devices matched by id; new ones start unknown). */
  remap(oldIds: readonly string[], newIndex: ReadonlyMap<string, number>, size: number): DeviceDelivery {
    const next = new DeviceDelivery(size, this.batchPostMs, this.maxBatchLagMs);
    oldIds.forEach((id, i) => {
      const j = newIndex.get(id);
      if (j === undefined) return;
      next.upTo[j] = this.upTo[i];
      next.lastPostAt[j] = this.lastPostAt[i];
      next.interval[j] = this.interval[i];
      next.longestAllowance = Math.max(next.longestAllowance, next.lateAllowance(j));
    });
    return next;
  }
}
