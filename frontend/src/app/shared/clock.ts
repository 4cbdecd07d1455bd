import { DestroyRef, Injectable, inject, signal } from '@angular/core';

/** Interval of the clock: "12 s ago" texts are shown to the second. */
export const CLOCK_TICK_MS = 1000;

/** The current time as a signal, ticking every second, so "last seen … ago" texts stay true. */
@Injectable({ providedIn: 'root' })
export class Clock {
  private readonly current = signal(Date.now());
  /** Epoch milliseconds, updated every second. */
  readonly now = this.current.asReadonly();

  constructor() {
    const id = setInterval(() => this.current.set(Date.now()), CLOCK_TICK_MS);
    inject(DestroyRef).onDestroy(() => clearInterval(id));
  }
}
