import {
  ChangeDetectionStrategy,
  Component,
  DOCUMENT,
  computed,
  effect,
  inject,
  input,
  signal,
  untracked,
  viewChild,
} from '@angular/core';
import { takeUntilDestroyed } from '@angular/core/rxjs-interop';
import { Title } from '@angular/platform-browser';
import { Router, RouterLink } from '@angular/router';
import type { FloorSummaryDto } from '@wardtrack/contracts';
import { AuthApi } from '../core/auth/auth.api';
import { SessionKeeper } from '../core/auth/session-keeper';
import { SessionStore } from '../core/auth/session.store';
import { FloorMapComponent } from './floor-map.component';
import { FloorMapStore, floorLabel } from './floor-map.store';
import { TagListComponent } from './tag-list.component';

/** Remembers the last floor viewed, so reopening Wardtrack shows the nurse's own floor. */
const LAST_FLOOR_KEY = 'wardtrack.lastFloorId';
/** Below this width the side panel covers the map instead of sitting beside it (see the stylesheet). */
const NARROW_SCREEN_QUERY = '(max-width: 767px)';

interface SiteFloors {
  siteId: string;
  siteName: string;
  floors: FloorSummaryDto[];
}

/** The map screen (`/map`, `/map/:floorId`): top bar, side panel and the floor map. */
@Component({
  selector: 'wt-floor-map-page',
  imports: [FloorMapComponent, RouterLink, TagListComponent],
  providers: [FloorMapStore],
  templateUrl: './floor-map-page.component.html',
  styleUrl: './floor-map-page.component.css',
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class FloorMapPageComponent {
  protected readonly store = inject(FloorMapStore);
  private readonly session = inject(SessionStore);
  private readonly keeper = inject(SessionKeeper);
  private readonly router = inject(Router);
  private readonly title = inject(Title);
  private readonly window = inject(DOCUMENT).defaultView;

  /** Route parameter; absent on `/map`. */
  readonly floorId = input<string>();

  private readonly map = viewChild.required(FloorMapComponent);
  protected readonly user = this.session.user;
  protected readonly panelOpen = signal(false);
  protected readonly signingOut = signal(false);
  protected readonly floorLabel = floorLabel;
  protected readonly sites = computed(() => {
    const sites = new Map<string, SiteFloors>();
    for (const floor of this.store.floors()) {
      let site = sites.get(floor.siteId);
      if (site === undefined) {
        site = { siteId: floor.siteId, siteName: floor.siteName, floors: [] };
        sites.set(floor.siteId, site);
      }
      site.floors.push(floor);
    }
    return [...sites.values()];
  });

  constructor() {
    this.store.loadFloors();
    // Name or role may have changed since sign-in.
    inject(AuthApi)
      .me()
      .pipe(takeUntilDestroyed())
      .subscribe({ next: (user) => this.session.updateUser(user), error: () => undefined });

    effect(() => {
      const floorId = this.floorId();
      const floors = this.store.floors();
      if (floorId !== undefined) {
        untracked(() => {
          this.store.selectFloor(floorId);
          this.remember(floorId);
        });
        return;
      }
      if (this.store.floorsStatus() === 'loaded' && floors.length > 0) {
        const remembered = this.recall();
        const target = floors.find((floor) => floor.id === remembered) ?? floors[0];
        void untracked(() => this.router.navigate(['/map', target.id], { replaceUrl: true }));
      }
    });

    effect(() => {
      const floor = this.store.floor();
      this.title.setTitle(floor === null ? 'Wardtrack' : `${floorLabel(floor)} · Wardtrack`);
    });
  }

  protected chooseFloor(event: Event): void {
    const floorId = (event.target as HTMLSelectElement).value;
    if (floorId !== '') {
      void this.router.navigate(['/map', floorId]);
    }
  }

  protected showTag(tagId: string): void {
    if (this.window?.matchMedia?.(NARROW_SCREEN_QUERY).matches === true) {
      this.panelOpen.set(false);
    }
    this.map().focusTag(tagId);
  }

  protected togglePanel(): void {
    this.panelOpen.update((open) => !open);
  }

  protected signOut(): void {
    this.signingOut.set(true);
    void this.keeper.signOut();
  }

  private remember(floorId: string): void {
    try {
      this.window?.localStorage.setItem(LAST_FLOOR_KEY, floorId);
    } catch {
      // Storage can be unavailable (private mode, policy); remembering the floor is only a convenience.
    }
  }

  private recall(): string | null {
    try {
      return this.window?.localStorage.getItem(LAST_FLOOR_KEY) ?? null;
    } catch {
      return null;
    }
  }
}
