import { HttpClient, HttpEventType } from '@angular/common/http';
import { Injectable, inject } from '@angular/core';
import type { FloorDetailDto, FloorSummaryDto, TagLocationDto } from '@wardtrack/contracts';
import { Observable } from 'rxjs';
import { ApiUrl } from '../core/api-url';

/** `/api/v1/floors/{id}` + this is the floor's live stream. */
export const FLOOR_LIVE_PATH_SUFFIX = '/live';

/** What the live floor stream says: connected, or these tags changed on the floor. */
export type LiveMessage = { kind: 'ready' } | { kind: 'tags'; tagIds: string[] };

/** Splits Server-Sent Events text into complete messages; returns them and the unfinished rest. */
export function parseServerSentEvents(text: string): { messages: LiveMessage[]; rest: string } {
  const messages: LiveMessage[] = [];
  const blocks = text.split('\n\n');
  const rest = blocks.pop() ?? '';
  for (const block of blocks) {
    const event = /^event: (.*)$/m.exec(block)?.[1];
    const data = /^data: (.*)$/m.exec(block)?.[1];
    if (event === 'ready') {
      messages.push({ kind: 'ready' });
    } else if (event === 'tags' && data !== undefined) {
      try {
        const tagIds = (JSON.parse(data) as { tagIds?: unknown }).tagIds;
        if (Array.isArray(tagIds)) {
          messages.push({ kind: 'tags', tagIds: tagIds.filter((t): t is string => typeof t === 'string') });
        }
      } catch {
        // a malformed message is skipped; the periodic refresh still covers it
      }
    }
  }
  return { messages, rest };
}

/** Calls to `/api/v1/floors`. */
@Injectable({ providedIn: 'root' })
export class FloorMapApi {
  private readonly http = inject(HttpClient);
  private readonly url = inject(ApiUrl);

  /** All floors, sorted by site, building and level. */
  floors(): Observable<FloorSummaryDto[]> {
    return this.http.get<FloorSummaryDto[]>(this.url.v1('/floors'));
  }

  floor(floorId: string): Observable<FloorDetailDto> {
    return this.http.get<FloorDetailDto>(this.url.v1(`/floors/${encodeURIComponent(floorId)}`));
  }

  /** The tags located on a floor right now. */
  tags(floorId: string): Observable<TagLocationDto[]> {
    return this.http.get<TagLocationDto[]>(this.url.v1(`/floors/${encodeURIComponent(floorId)}/tags`));
  }

  /** The floor plan SVG. A blob, because the plan needs the bearer token and an <img> cannot send one. */
  plan(planUrl: string): Observable<Blob> {
    return this.http.get(this.url.resolve(planUrl), { responseType: 'blob' });
  }

  /**
   * The floor's live stream (Server-Sent Events, read through HttpClient so the sign-in token and
   * its refresh apply): 'ready' once connected, then the ids of tags that changed. Completes when
   * the server ends the stream (at the latest when the access token would expire).
   */
  live(floorId: string): Observable<LiveMessage> {
    return new Observable<LiveMessage>((subscriber) => {
      let consumed = 0;
      let pending = '';
      const subscription = this.http
        .get(this.url.v1(`/floors/${encodeURIComponent(floorId)}${FLOOR_LIVE_PATH_SUFFIX}`), {
          observe: 'events',
          responseType: 'text',
          reportProgress: true,
        })
        .subscribe({
          next: (event) => {
            if (event.type !== HttpEventType.DownloadProgress) {
              return;
            }
            const text = (event).partialText ?? '';
            const parsed = parseServerSentEvents(pending + text.slice(consumed));
            consumed = text.length;
            pending = parsed.rest;
            for (const message of parsed.messages) {
              subscriber.next(message);
            }
          },
          error: (error: unknown) => subscriber.error(error),
          complete: () => subscriber.complete(),
        });
      return () => subscription.unsubscribe();
    });
  }
}
