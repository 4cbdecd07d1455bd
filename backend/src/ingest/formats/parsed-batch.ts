import type { TagObservation } from '@backend/queue/queue.contract';
import type { IngestProblem } from '../ingest-error';

/** What every format parser returns: reads normalised to TagObservation, or the problems found. */
export interface ParsedBatch {
  observations: TagObservation[];
  /** The sender's own batch id, if it gave one (used to recognise a re-sent batch). */
  clientBatchId: string | null;
  problems: IngestProblem[];
  /**
   * Newest time (epoch ms) a heartbeat or status event in the batch proves the device alive;
   * null when the batch carries none. Reads prove it too, but the worker takes those from the reads.
   */
  deviceSeenAt: number | null;
}

/** A pure format parser: no clock of its own (`now` bounds future times), no I/O. */
export type FormatParser = (body: unknown, now: number, context?: ParseContext) => ParsedBatch;

/** What a parser knows of the sender: its site's time zone reads times sent without an offset. */
export interface ParseContext {
  siteTimeZone: string | null;
}
