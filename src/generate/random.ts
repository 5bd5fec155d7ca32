import { createHash } from 'node:crypto';

/** A small deterministic PRNG (mulberry32): the same seed gives the same sequence on every machine. */
export type Random = () => number;

export function prng(seed: number): Random {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A PRNG of its own for each record (`seed`, `key`): record n does not depend on how records before it drew. */
export function recordRandom(seed: number, key: string): Random {
  return prng(createHash('sha256').update(`${seed}:${key}`).digest().readUInt32BE(0));
}

/** A UUID derived from (seed, key), with the version-4 layout, so ids are stable per seed and unique per key. */
export function stableUuid(seed: number, key: string): string {
  const h = createHash('sha256').update(`meso-region:${seed}:${key}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

export const pick = <T>(rnd: Random, list: readonly T[]): T => list[Math.floor(rnd() * list.length)];

export const between = (rnd: Random, min: number, max: number): number =>
  min + Math.floor(rnd() * (max - min + 1));

/** Digits as a fixed-width string, e.g. digits(42, 6) = '000042'. */
export const digits = (n: number, width: number): string => String(n).padStart(width, '0');

/** A date `days` before the ISO date `from` (YYYY-MM-DD). */
export function daysBefore(from: string, days: number): string {
  const d = new Date(`${from}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() - days);
  return d.toISOString().slice(0, 10);
}

export function daysAfter(from: string, days: number): string {
  return daysBefore(from, -days);
}
