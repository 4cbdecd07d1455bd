/**
 * Domain events published by the worker after the transaction that caused them commits, and
 * received by every api instance (browser push) and by rules (assets, supplies, alerts).
 * With Redis they travel on the pub/sub channel eventsChannel(prefix); on embedded defaults
 * (api and worker in one process) they stay in-process. Delivery is at most once: consumers
 * that must not miss a change read the stored state (tag_location, tag_stay) as well.
 */

export const EVENTS_CHANNEL_SUFFIX = 'events';

/** The Redis pub/sub channel for a deployment's queue prefix (QUEUE_PREFIX, default "wardtrack"). */
export function eventsChannel(prefix: string): string {
  return `${prefix}:${EVENTS_CHANNEL_SUFFIX}`;
}

interface EventBase {
  tagId: string;
  /** When ingest accepted the batch whose reads caused this event (epoch ms, server clock). */
  batchReceivedAt: number;
  /** When the worker published it (epoch ms, server clock). */
  publishedAt: number;
}

export interface TagFixPayload {
  zoneId: string;
  floorId: string;
  x: number;
  y: number;
  confidence: number;
  /** Epoch ms (device time) of the newest evidence. */
  seenAt: number;
  zoneSince: number;
  state: 'present' | 'lost';
  tech: 'rfid' | 'ble';
}

export type DomainEvent =
  | (EventBase & {
      type: 'LocationChanged';
      from: { zoneId: string; floorId: string } | null;
      fix: TagFixPayload;
    })
  | (EventBase & { type: 'TagLost'; fix: TagFixPayload })
  | (EventBase & { type: 'DoorwayCrossed'; zoneId: string; direction: 'entered' | 'left'; at: number });
