import type {
  CareTeam,
  CareTeamParticipant,
  EpisodeOfCare,
  Organization,
  Reference,
  ServiceRequest,
  Task,
} from '@medplum/fhirtypes';
import { canonical } from '../../domain/canonical';
import { acceptanceEffect, type TeamRole } from '../../domain/referral';
import { localKey, localTarget } from '../../kernel/reference';
import type { RequestContext } from '../../kernel/request-context';
import { resourceStore, type StoredVersion } from '../../store/resource-store';
import { lockPatientTrajectories } from '../../store/trajectory-locks';
import type { FhirRepository, VersionKey } from '../repository';
import { CARETEAM_PROFILE } from '../meso/sections/team';
import { referralKind } from './referral-task';
import { referralParty, sameParty } from './referral-parties';
import { openZorgtraject, ZORGTRAJECT_TYPE } from './open-zorgtraject';

const ZORGTRAJECT_PROFILE = canonical('StructureDefinition', 'meso-zorgtraject');
const NAME_EXT = 'http://nictiz.nl/fhir/StructureDefinition/ext-EpisodeOfCare.EpisodeOfCareName';
const PARTICIPATION = 'http://terminology.hl7.org/CodeSystem/v3-ParticipationType';

/** The accepted referral the zorgtraject effects are about. */
interface Accepted {
  ctx: RequestContext;
  task: Task;
  patient: string;
  request: Reference<ServiceRequest>;
  /** When the Task was accepted (its lastUpdated): the start of a zorgtraject it opens. */
  at: string;
}

/**
 * Accepting a referral (issue 11): an aanmelding opens the patient's zorgtraject with the accepting organisation,
 * or extends the open one it manages; an escalation or ELV request extends the open zorgtraject, if any. Each
 * gets the ServiceRequest in referralRequest, and the organisation the kind names joins its CareTeam.
 */
export async function acceptedReferral(
  repo: FhirRepository,
  ctx: RequestContext,
  task: Task,
  at: string,
): Promise<VersionKey[]> {
  const effect = acceptanceEffect(referralKind(task) ?? '');
  const patient = localKey(task.for?.reference);
  const request = localKey(task.focus?.reference);
  if (!effect || !patient?.startsWith('Patient/') || !request) return [];
  // Two referrals of this patient accepted at once must not both open a zorgtraject.
  await lockPatientTrajectories(repo.queryable, patient);
  const owner = await referralParty(repo, task.owner);
  const requester = await referralParty(repo, task.requester);
  const accepted: Accepted = {
    ctx,
    task,
    patient,
    request: refTo(request, 'ServiceRequest', task.focus?.display) as Reference<ServiceRequest>,
    at,
  };
  // An aanmelding's zorgtraject is the accepting organisation's; the other kinds extend the one the requester
  // (the MESO team) manages, else any open one.
  const managing = effect.episode === 'open' ? owner.organization : requester.organization;
  // Locked: a client's concurrent update of this zorgtraject is not overwritten by ours, nor ours by it.
  const open = await openZorgtraject(repo, { patient, managing, only: effect.episode === 'open' });
  if (!open && (effect.episode === 'extend' || !owner.organization)) return [];
  const joining = effect.joins && (effect.joins.party === 'owner' ? owner : requester).organization;
  const team = await joinTeam(
    repo,
    accepted,
    open ?? owner.organization,
    joining && { member: joining, role: effect.joins?.role },
  );
  // The person who accepted an aanmelding leads the trajectory; an escalation's or ELV's owner does not.
  const careManager = effect.episode === 'open' ? owner.practitionerRole : undefined;
  const episode = open
    ? await extendEpisode(repo, accepted, open, team?.reference, careManager)
    : await openNewEpisode(repo, accepted, owner.organization as Reference, team?.reference, careManager);
  return [team?.version, episode].filter((v): v is VersionKey => v !== undefined);
}

/** A literal reference, with its display when there is one. */
const refTo = (reference: string, type: 'Patient' | 'ServiceRequest', display?: string): Reference => ({
  reference,
  type,
  ...(display ? { display } : {}),
});

interface Joining {
  member: Reference;
  role?: TeamRole;
}

/**
 * The zorgtraject's CareTeam with the joining organisation in it: created when there is none, else extended.
 * `episode` is the open zorgtraject, or the organisation that will manage the one about to be opened.
 */
async function joinTeam(
  repo: FhirRepository,
  accepted: Accepted,
  episode: StoredVersion | Reference | undefined,
  joining: Joining | undefined,
): Promise<{ reference: Reference; version: VersionKey } | undefined> {
  if (!joining) return undefined;
  const open = episode && 'versionId' in episode ? (episode.resource as EpisodeOfCare) : undefined;
  const managing = open ? open.managingOrganization : (episode as Reference | undefined);
  const existing = open?.team?.find((t) => localKey(t.reference));
  const id = localTarget(existing?.reference)?.id;
  const stored = id ? await resourceStore.current(repo.queryable, 'CareTeam', id, true) : undefined;
  if (stored && !stored.deleted && existing) {
    const team = stored.resource as CareTeam;
    if (team.participant?.some((p) => sameParty(p.member, joining.member))) return undefined;
    const participant = [...(team.participant ?? []), participantOf(joining)];
    const result = await repo.update(accepted.ctx, 'CareTeam', team.id as string, { ...team, participant });
    return { reference: existing, version: keyOf(result.version) };
  }
  const result = await repo.create(accepted.ctx, newTeam(accepted, joining, managing));
  const reference: Reference = { reference: `CareTeam/${result.version.id}`, type: 'CareTeam' };
  return { reference, version: keyOf(result.version) };
}

function participantOf(joining: Joining): CareTeamParticipant {
  const role = joining.role;
  return {
    ...(role ? { role: [{ coding: [{ system: PARTICIPATION, code: role.code }], text: role.text }] } : {}),
    member: joining.member as CareTeamParticipant['member'],
  };
}

function newTeam(accepted: Accepted, joining: Joining, managing: Reference | undefined): CareTeam {
  return {
    resourceType: 'CareTeam',
    meta: { profile: [CARETEAM_PROFILE] },
    status: 'active',
    subject: refTo(accepted.patient, 'Patient', accepted.task.for?.display) as CareTeam['subject'],
    period: { start: accepted.at },
    participant: [participantOf(joining)],
    ...(managing && localKey(managing.reference)
      ? { managingOrganization: [managing as Reference<Organization>] }
      : {}),
  };
}

async function extendEpisode(
  repo: FhirRepository,
  accepted: Accepted,
  open: StoredVersion,
  team: Reference | undefined,
  careManager: Reference | undefined,
): Promise<VersionKey | undefined> {
  const episode = open.resource as EpisodeOfCare;
  const requests = episode.referralRequest ?? [];
  const linked = requests.some((r) => localKey(r.reference) === accepted.request.reference);
  const teams = episode.team ?? [];
  const next: EpisodeOfCare = {
    ...episode,
    ...(linked ? {} : { referralRequest: [...requests, accepted.request] }),
    ...(!episode.careManager && careManager
      ? { careManager: careManager as EpisodeOfCare['careManager'] }
      : {}),
    // A new team (none yet, or the one named is gone) is added; the one that was extended is there already.
    ...(team && !teams.some((t) => localKey(t.reference) === localKey(team.reference))
      ? { team: [...teams, team as Reference<CareTeam>] }
      : {}),
  };
  // Already linked (the same referral accepted before): nothing is written, so the Provenance names nothing.
  if (JSON.stringify(next) === JSON.stringify(episode)) return undefined;
  const result = await repo.update(accepted.ctx, 'EpisodeOfCare', episode.id as string, next);
  return keyOf(result.version);
}

async function openNewEpisode(
  repo: FhirRepository,
  accepted: Accepted,
  managing: Reference,
  team: Reference | undefined,
  careManager: Reference | undefined,
): Promise<VersionKey> {
  const episode: EpisodeOfCare = {
    resourceType: 'EpisodeOfCare',
    meta: { profile: [ZORGTRAJECT_PROFILE] },
    extension: [{ url: NAME_EXT, valueString: ZORGTRAJECT_TYPE.display }],
    status: 'active',
    type: [{ coding: [{ ...ZORGTRAJECT_TYPE }] }],
    patient: refTo(accepted.patient, 'Patient', accepted.task.for?.display) as EpisodeOfCare['patient'],
    managingOrganization: managing as Reference<Organization>,
    period: { start: accepted.at },
    referralRequest: [accepted.request],
    ...(careManager ? { careManager: careManager as EpisodeOfCare['careManager'] } : {}),
    ...(team ? { team: [team as Reference<CareTeam>] } : {}),
  };
  return keyOf((await repo.create(accepted.ctx, episode)).version);
}

const keyOf = (v: StoredVersion): VersionKey => ({
  resourceType: v.resourceType,
  id: v.id,
  versionId: v.versionId,
});
