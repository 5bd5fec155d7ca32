import type { Resource } from '@medplum/fhirtypes';
import { testBsns } from '../domain/bsn';
import { patientRecords } from './patient-record';
import { buildRegion } from './region';

export interface RegionOptions {
  patients: number;
  seed: number;
}

/** The demo scenario's BSNs (examples/README.md): skipped, so that a region can be loaded next to the demo data. */
export const DEMO_BSNS: ReadonlySet<string> = new Set(['999911120', '999901199', '999900213']);

export const DEFAULT_SEED = 20_261_101;

/**
 * A deterministic region: the directory (practices, VVT organisations, MESO teams, behandelnetwerk, platform),
 * then each patient's records. A generator, so that a million resources never sit in memory at once; the same
 * options give the same resources, in the same order, on every run.
 */
export function* generateRegion(options: RegionOptions): Generator<Resource> {
  const region = buildRegion(options.seed, options.patients);
  yield* region.resources;
  const bsns = testBsns(DEMO_BSNS);
  for (let i = 0; i < options.patients; i++) {
    const bsn = bsns.next();
    if (bsn.done) throw new Error(`the test BSN range holds fewer than ${options.patients} numbers`);
    yield* patientRecords(region, i, bsn.value);
  }
}
