import { ChangeDetectionStrategy, Component, computed, inject, output } from '@angular/core';
import { ASSET_STATUSES, type AssetStatus } from '@wardtrack/contracts';
import { ASSET_STATUS_APPEARANCE, UNASSIGNED_TAG_APPEARANCE, statusAppearance } from '../shared/asset-status';
import { Clock } from '../shared/clock';
import { formatAgo } from '../shared/relative-time';
import { FloorMapStore } from './floor-map.store';
import type { TagMarker } from './tag-markers';

/** The side panel: tags on the floor grouped by zone, with a filter box and a colour legend. */
@Component({
  selector: 'wt-tag-list',
  templateUrl: './tag-list.component.html',
  styleUrl: './tag-list.component.css',
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class TagListComponent {
  protected readonly store = inject(FloorMapStore);
  private readonly clock = inject(Clock);

  /** A row was chosen: the page shows that tag on the map. */
  readonly tagSelected = output<string>();

  protected readonly shownCount = computed(() => this.store.matchingTagIds().size);
  protected readonly legend = [
    ...ASSET_STATUSES.map((status: AssetStatus) => ASSET_STATUS_APPEARANCE[status]),
    UNASSIGNED_TAG_APPEARANCE,
  ];

  protected onFilterInput(event: Event): void {
    this.store.setFilter((event.target as HTMLInputElement).value);
  }

  protected clearFilter(): void {
    this.store.setFilter('');
  }

  protected colour(marker: TagMarker): string {
    return statusAppearance(marker.status).colour;
  }

  protected details(marker: TagMarker): string {
    const status = statusAppearance(marker.status).label;
    return marker.assetType === null ? `Tag ${marker.tagId} · ${status}` : `${marker.assetType} · ${status}`;
  }

  protected lastSeen(marker: TagMarker): string {
    const ago = formatAgo(marker.lastSeenAt, this.clock.now());
    return marker.lost ? `lost · last heard ${ago}` : ago;
  }
}
