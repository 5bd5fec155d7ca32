import type { Queryable } from './database';

// The class of the two-key advisory locks that serialise changes to one patient's zorgtrajecten.
const TRAJECTORY_LOCK = 75132028;

/**
 * Serialises, until the transaction ends, whoever opens or extends a zorgtraject of this patient (the effects of
 * accepted referrals): two referrals of one patient accepted at the same time must not both see "none open" and
 * open two. Keyed by a hash of `Patient/<id>` (a collision only serialises two unrelated patients, harmlessly).
 */
export async function lockPatientTrajectories(tx: Queryable, patientKey: string): Promise<void> {
  await tx.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [TRAJECTORY_LOCK, patientKey]);
}
