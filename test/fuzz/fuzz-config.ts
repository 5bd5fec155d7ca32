import type { Parameters as FcParameters } from 'fast-check';

/**
 * How much to fuzz. `npm test` runs a reduced, deterministic run (a fixed seed, a few thousand cases in all);
 * `npm run test:fuzz` sets FUZZ_RUNS for the full run. FUZZ_SEED replays a run (fast-check prints the seed).
 */
const DEFAULT_SEED = 20261129;

function envInt(name: string): number | undefined {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return undefined;
  const value = Number(raw);
  if (!Number.isInteger(value)) throw new Error(`${name} must be an integer, got "${raw}"`);
  return value;
}

export const FUZZ_SEED = envInt('FUZZ_SEED') ?? DEFAULT_SEED;

/** FUZZ_RUNS overrides every property's reduced default. */
export const runs = (reduced: number): number => envInt('FUZZ_RUNS') ?? reduced;

/** fast-check parameters: deterministic seed, the number of runs, no shrinking over HTTP (failures are collected). */
export function fcParams<T>(reduced: number): FcParameters<T> {
  return { seed: FUZZ_SEED, numRuns: runs(reduced), endOnFailure: true };
}

/** A jest timeout that grows with the number of runs (ms per case is generous for a loaded 2-core machine). */
export const timeoutFor = (reduced: number, msPerCase: number): number => 60_000 + runs(reduced) * msPerCase;

/**
 * FUZZ_SKIP=1 skips the fuzz suites (for a local run of everything else while known 5xx classes are being fixed).
 * The suites are on by default: `npm test` runs them.
 */
export const describeFuzz = process.env.FUZZ_SKIP === '1' ? describe.skip : describe;
