import { Routes, UrlMatchResult, UrlSegment } from '@angular/router';
import { FloorMapPageComponent } from './floor-map-page.component';

/**
 * Matches `/map` and `/map/:floorId` with ONE route, so switching floors keeps the page (and its
 * Leaflet map) instead of rebuilding it.
 */
export function floorUrlMatcher(segments: UrlSegment[]): UrlMatchResult | null {
  if (segments.length === 0) {
    return { consumed: [] };
  }
  if (segments.length === 1) {
    return { consumed: segments, posParams: { floorId: segments[0] } };
  }
  return null;
}

export const floorMapRoutes: Routes = [{ matcher: floorUrlMatcher, component: FloorMapPageComponent }];
