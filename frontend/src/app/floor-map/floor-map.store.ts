import { HttpErrorResponse } from '@angular/common/http';
import { DestroyRef, Injectable, computed, inject, signal } from '@angular/core';
import { takeUntilDestroyed } from '@angular/core/rxjs-interop';
import type { FloorDetailDto, FloorSummaryDto, TagLocationDto } from '@wardtrack/contracts';
import {
  EMPTY,
  Observable,
  Subject,
  catchError,
  defer,
  distinctUntilChanged,
  exhaustMap,
  filter,
  finalize,
  ignoreElements,
  merge,
  repeat,
  retry,
  switchMap,
  tap,
  throwError,
  timer,
} from 'rxjs';
import { Clock } from '../shared/clock';
import { formatAgo } from '../shared/relative-time';
import { FloorMapApi } from './floor-map.api';
import { TagMarker, groupByZone, matchesFilter, reconcileTagMarkers } from './tag-markers';

/**
 * Without a live stream, the tags of the shown floor are fetched twice a second (read-to-map under
 * 1 s, bench:latency). With the stream connected, a fetch follows each pushed change at once, and
 * this slower refresh is only a safety net.
 */
export const TAG_POLL_INTERVAL_MS = 500;
export const LIVE_SAFETY_POLL_MS = 10_000;
/** Wait before reconnecting a live stream that ended or failed. */
export const LIVE_RECONNECT_MS = 1_000;

/** Longest wait between attempts to reach the API again. */
const MAX_RETRY_DELAY_MS = 10_000;

/** Whether the map shows live positions: connecting (first answer pending), live, or lost (retrying). */
export type LiveState = 'connecting' | 'live' | 'lost';

/** "<building> · <floor name>", how staff name a floor. */
export function floorLabel(floor: Pick<FloorSummaryDto, 'buildingName' | 'name'>): string {
  return `${floor.buildingName} · ${floor.name}`;
}

/**
 * State of the floor map screen: the floor list, the chosen floor with its plan, and the live tag
 * markers, polled every second while a floor is shown. Provided by the page, so polling stops and
 * the plan's object URL is released when the page goes away.
 */
@Injectable()
export class FloorMapStore {
  private readonly api = inject(FloorMapApi);
  private readonly clock = inject(Clock);

  private readonly floorList = signal<FloorSummaryDto[]>([]);
  private readonly floorListStatus = signal<'loading' | 'loaded' | 'failed'>('loading');
  private readonly selectedId = signal<string | null>(null);
  private readonly floorDetail = signal<FloorDetailDto | null>(null);
  private readonly floorProblem = signal<string | null>(null);
  private readonly planObjectUrl = signal<string | null>(null);
  private readonly planProblem = signal(false);
  private readonly markerMap = signal<ReadonlyMap<string, TagMarker>>(new Map());
  private readonly lastAnswerAt = signal<number | null>(null);
  private readonly apiUnreachable = signal(false);
  private readonly filterText = signal('');
  private readonly selection$ = new Subject<string>();

  /** All floors, as the API sorts them (site, building, level). */
  readonly floors = this.floorList.asReadonly();
  readonly floorsStatus = this.floorListStatus.asReadonly();
  readonly selectedFloorId = this.selectedId.asReadonly();
  /** The shown floor with its zones, once loaded. */
  readonly floor = this.floorDetail.asReadonly();
  /** Why the chosen floor cannot be shown, if it cannot. */
  readonly floorError = this.floorProblem.asReadonly();
  /** Object URL of the floor plan SVG, once fetched. */
  readonly planUrl = this.planObjectUrl.asReadonly();
  readonly planFailed = this.planProblem.asReadonly();
  readonly filter = this.filterText.asReadonly();

  /** One marker per located tag on the floor. */
  readonly markers = computed(() => [...this.markerMap().values()]);
  readonly tagCount = computed(() => this.markerMap().size);
  /** Tags that match the filter box (all of them when it is empty). */
  readonly matchingTagIds = computed(() => {
    const filter = this.filterText();
    return new Set(this.markers().flatMap((marker) => (matchesFilter(marker, filter) ? [marker.tagId] : [])));
  });
  /** The side panel's list: matching tags grouped by zone. */
  readonly zoneGroups = computed(() => {
    const matching = this.matchingTagIds();
    return groupByZone(this.markers().filter((marker) => matching.has(marker.tagId)));
  });

  readonly liveState = computed<LiveState>(() => {
    if (this.apiUnreachable()) {
      return 'lost';
    }
    return this.lastAnswerAt() === null ? 'connecting' : 'live';
  });
  /** "Updated 1 s ago", "Connection lost — retrying", … */
  readonly liveText = computed(() => {
    const state = this.liveState();
    switch (state) {
      case 'lost':
        return 'Connection lost — retrying';
      case 'connecting':
        return 'Connecting…';
      case 'live': {
        const answeredAt = this.lastAnswerAt() ?? 0;
        return `Updated ${formatAgo(answeredAt, Math.max(this.clock.now(), answeredAt))}`;
      }
    }
  });

  constructor() {
    const destroyRef = inject(DestroyRef);
    this.selection$
      .pipe(
        distinctUntilChanged(),
        tap((floorId) => this.resetFloor(floorId)),
        switchMap((floorId) => this.showFloor(floorId)),
        takeUntilDestroyed(destroyRef),
      )
      .subscribe();
    destroyRef.onDestroy(() => this.replacePlan(null));
  }

  /** Fetches the floor list; call again after a failure to retry. */
  loadFloors(): void {
    this.floorListStatus.set('loading');
    this.api.floors().subscribe({
      next: (floors) => {
        this.floorList.set(floors);
        this.floorListStatus.set('loaded');
      },
      error: () => this.floorListStatus.set('failed'),
    });
  }

  /** Shows a floor: loads its zones and plan and polls its tags until another floor is chosen. */
  selectFloor(floorId: string): void {
    this.selection$.next(floorId);
  }

  setFilter(text: string): void {
    this.filterText.set(text);
  }

  private showFloor(floorId: string): Observable<never> {
    return this.api.floor(floorId).pipe(
      this.retryWhileUnreachable(),
      tap((floor) => this.floorDetail.set(floor)),
      switchMap((floor) => merge(this.loadPlan(floor), this.pollTags(floor))),
      catchError((error: unknown) => {
        this.floorProblem.set(
          error instanceof HttpErrorResponse && error.status === 404
            ? 'This floor does not exist (any more). Choose another floor.'
            : 'This floor could not be loaded. Choose it again to retry.',
        );
        return EMPTY;
      }),
    );
  }

  private loadPlan(floor: FloorDetailDto): Observable<never> {
    return this.api.plan(floor.planUrl).pipe(
      retry({ count: 3, delay: 2000 }),
      tap((blob) => this.replacePlan(URL.createObjectURL(blob))),
      catchError(() => {
        this.planProblem.set(true);
        return EMPTY;
      }),
      ignoreElements(),
    );
  }

  /**
   * Fetches the floor's tags when the live stream says something changed (and, as a safety net,
   * every LIVE_SAFETY_POLL_MS), or every TAG_POLL_INTERVAL_MS while the stream is down. Never two
   * requests at once (exhaustMap): a change pushed during a fetch triggers one more fetch after it.
   */
  private pollTags(floor: FloorDetailDto): Observable<never> {
    const changed = new Subject<void>();
    let streaming = false;
    let dirty = false;
    let lastFetchAt = 0;
    const live = defer(() => this.api.live(floor.id)).pipe(
      tap((message) => {
        if (message.kind === 'ready') {
          streaming = true;
        } else {
          dirty = true;
          changed.next();
        }
      }),
      catchError(() => EMPTY),
      finalize(() => (streaming = false)),
      repeat({ delay: LIVE_RECONNECT_MS }),
    );
    const due = merge(
      timer(0, TAG_POLL_INTERVAL_MS).pipe(
        filter(() => !streaming || Date.now() - lastFetchAt >= LIVE_SAFETY_POLL_MS),
      ),
      changed,
    );
    const fetches = due.pipe(
      exhaustMap(() => {
        dirty = false;
        lastFetchAt = Date.now();
        return this.api.tags(floor.id).pipe(
          tap((tags) => this.applyTags(floor, tags)),
          catchError(() => {
            this.apiUnreachable.set(true);
            return EMPTY;
          }),
          finalize(() => {
            // A change that arrived while this request ran may not be in its answer.
            if (dirty) {
              setTimeout(() => changed.next(), 0);
            }
          }),
        );
      }),
    );
    return merge(live, fetches).pipe(ignoreElements());
  }

  private applyTags(floor: FloorDetailDto, tags: TagLocationDto[]): void {
    this.markerMap.update((previous) => reconcileTagMarkers(previous, tags, floor.heightM));
    this.lastAnswerAt.set(Date.now());
    this.apiUnreachable.set(false);
  }

  /** Retries with back-off while the API is unreachable or failing (network, 5xx); other errors pass. */
  private retryWhileUnreachable<T>(): (source: Observable<T>) => Observable<T> {
    return retry({
      delay: (error: unknown, attempt: number) => {
        if (error instanceof HttpErrorResponse && (error.status === 0 || error.status >= 500)) {
          this.apiUnreachable.set(true);
          return timer(Math.min(1000 * 2 ** (attempt - 1), MAX_RETRY_DELAY_MS));
        }
        return throwError(() => error);
      },
    });
  }

  private resetFloor(floorId: string): void {
    this.selectedId.set(floorId);
    this.floorDetail.set(null);
    this.floorProblem.set(null);
    this.replacePlan(null);
    this.planProblem.set(false);
    this.markerMap.set(new Map());
    this.lastAnswerAt.set(null);
    this.apiUnreachable.set(false);
  }

  /** Swaps the plan's object URL, releasing the previous one (a floor plan SVG can be large). */
  private replacePlan(url: string | null): void {
    const previous = this.planObjectUrl();
    if (previous !== null) {
      URL.revokeObjectURL(previous);
    }
    this.planObjectUrl.set(url);
  }
}
