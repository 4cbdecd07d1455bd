/** Seeded pseudo-random numbers for the simulator: the same seed always gives the same hospital day. */

export interface Random {
  /** Uniform in [0, 1). */
  next(): number;
  /** Standard normal N(0, 1) (Box-Muller). */
  normal(): number;
  /** Uniform in [min, max). */
  between(min: number, max: number): number;
  /** One item, uniformly. */
  pick<T>(items: readonly T[]): T;
}

/** mulberry32: tiny, fast and good enough for a simulation (not for secrets). */
export function seededRandom(seed: number): Random {
  let a = seed >>> 0;
  let spare: number | null = null;
  const next = (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    normal() {
      if (spare !== null) {
        const s = spare;
        spare = null;
        return s;
      }
      const u = 1 - next(); // (0, 1]: log(0) never happens
      const v = next();
      const r = Math.sqrt(-2 * Math.log(u));
      spare = r * Math.sin(2 * Math.PI * v);
      return r * Math.cos(2 * Math.PI * v);
    },
    between(min, max) {
      return min + next() * (max - min);
    },
    pick(items) {
      return items[Math.floor(next() * items.length) % items.length];
    },
  };
}

/** A seed derived from a base seed and a name (FNV-1a), so each tag gets its own stream. */
export function deriveSeed(seed: number, name: string): number {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  for (let i = 0; i < name.length; i++) {
    h ^= name.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}
