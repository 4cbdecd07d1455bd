import { HttpClient } from '@angular/common/http';
import { Injectable, inject } from '@angular/core';
import type { FloorDetailDto, FloorSummaryDto, TagLocationDto } from '@wardtrack/contracts';
import { Observable } from 'rxjs';
import { ApiUrl } from '../core/api-url';

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
}
