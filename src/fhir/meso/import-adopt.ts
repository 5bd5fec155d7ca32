import type { CareTeam, EpisodeOfCare, Resource } from '@medplum/fhirtypes';
import { localTarget } from '../../kernel/reference';
import { resourceStore } from '../../store/resource-store';
import { lockPatientTrajectories } from '../../store/trajectory-locks';
import type { FhirRepository } from '../repository';
import { openZorgtraject } from '../referral/open-zorgtraject';
import { MESO_ITEM_SYSTEM } from './graph';
import type { Assigned } from './import-ids';
import { referenceMap, rewriteReferences } from './import-ids';
import { KEY } from './keys';

/**
 * The zorgtraject and its CareTeam are also written by the referral effects (src/fhir/referral): an accepted
 * aanmelding opens the patient's zorgtraject, an accepted escalation extends it. Under the same per-patient lock
 * as those effects, the import either adopts the open zorgtraject (and CareTeam) the effects opened, on its first
 * version, instead of opening a second one; or re-reads its own, locked, so that what the effects added since the
 * graph was loaded is kept (import-foreign.ts) and not overwritten.
 */
export async function withZorgtraject(repo: FhirRepository, assigned: Assigned[]): Promise<Assigned[]> {
  const patient = assigned.find((a) => a.planned.key === KEY.patient);
  const episode = assigned.find((a) => a.planned.key === KEY.trajectory);
  if (!patient || !episode) return assigned;
  const patientKey = `Patient/${patient.id}`;
  await lockPatientTrajectories(repo.queryable, patientKey);
  // A patient the import is about to create has no zorgtraject yet.
  const adopted =
    episode.stored || !patient.stored ? undefined : await adoptable(repo, assigned, episode, patientKey);
  const adoptedTeam = adopted && (await adoptableTeam(repo, adopted));
  const out: Assigned[] = [];
  for (const a of assigned) {
    if (a === episode && adopted) out.push({ ...a, id: adopted.id as string, stored: adopted });
    else if (a.planned.key === KEY.careTeam && !a.stored && adoptedTeam)
      out.push({ ...a, id: adoptedTeam.id as string, stored: adoptedTeam });
    else if (a.stored && (a === episode || a.planned.key === KEY.careTeam))
      out.push({ ...a, stored: (await currentLocked(repo, a.stored)) ?? a.stored });
    else out.push(a);
  }
  return out;
}

/**
 * The patient's open zorgtraject managed by the document's organisation (the effects' query), unless another
 * MESO document owns it: two documents writing one episode would overwrite each other's content.
 */
async function adoptable(
  repo: FhirRepository,
  assigned: Assigned[],
  episode: Assigned,
  patient: string,
): Promise<EpisodeOfCare | undefined> {
  const planned = rewriteReferences(episode.planned.resource, referenceMap(assigned)) as EpisodeOfCare;
  const open = await openZorgtraject(repo, {
    patient,
    managing: planned.managingOrganization,
    only: true,
    eligible: (e) => !ownedByDocument(e),
  });
  return open && !open.deleted ? (open.resource as EpisodeOfCare) : undefined;
}

/** The first CareTeam the adopted zorgtraject names that is stored and owned by no document. */
async function adoptableTeam(repo: FhirRepository, episode: EpisodeOfCare): Promise<CareTeam | undefined> {
  for (const ref of episode.team ?? []) {
    const target = localTarget(ref.reference);
    if (target?.resourceType !== 'CareTeam') continue;
    const team = await currentLocked(repo, target);
    if (team && !ownedByDocument(team)) return team as CareTeam;
  }
  return undefined;
}

async function currentLocked(
  repo: FhirRepository,
  r: { resourceType: string; id?: string },
): Promise<Resource | undefined> {
  const stored = await resourceStore.current(repo.queryable, r.resourceType, r.id as string, true);
  return stored && !stored.deleted ? stored.resource : undefined;
}

const ownedByDocument = (r: Resource) =>
  ((r as { identifier?: Array<{ system?: string }> }).identifier ?? []).some(
    (i) => i.system === MESO_ITEM_SYSTEM,
  );
