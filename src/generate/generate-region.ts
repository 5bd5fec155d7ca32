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
    // Past the ~9,090 test BSNs a patient has only the region's own patient number (see addPatient).
    const bsn = bsns.next();
    yield* patientRecords(region, i, bsn.done ? undefined : bsn.value);
  }
}
