import { DOCUMENT, Injectable, InjectionToken, inject } from '@angular/core';

/**
 * Origin (and optional path prefix) of the Wardtrack API, without a trailing slash.
 * The default '' means "same origin": the backend serves the UI and the API on one port.
 */
export const API_BASE_URL = new InjectionToken<string>('API_BASE_URL', { providedIn: 'root', factory: () => '' });

/** Builds API URLs from the injected base, and tells API requests apart from any other request. */
@Injectable({ providedIn: 'root' })
export class ApiUrl {
  private readonly base = inject(API_BASE_URL).replace(/\/+$/, '');
  private readonly origin = inject(DOCUMENT).location?.origin ?? '';

  /** `v1('/floors')` -> `<base>/api/v1/floors`. */
  v1(path: string): string {
    return `${this.base}/api/v1${path.startsWith('/') ? path : `/${path}`}`;
  }

  /** Resolves a URL the API handed out (such as `FloorSummaryDto.planUrl`), which may be relative to the API. */
  resolve(url: string): string {
    if (/^[a-z][a-z\d+.-]*:/i.test(url) || url.startsWith('//')) {
      return url;
    }
    return `${this.base}${url.startsWith('/') ? '' : '/'}${url}`;
  }

  /** Whether a request goes to the Wardtrack API: only those may carry the bearer token. */
  isApiRequest(url: string): boolean {
    if (this.base !== '') {
      return url.startsWith(`${this.base}/api/`);
    }
    return url.startsWith('/api/') || (this.origin !== '' && url.startsWith(`${this.origin}/api/`));
  }
}
