import type { EpisodeOfCare, Reference } from '@medplum/fhirtypes';
import { canonical } from '../../domain/canonical';
import { resourceStore, type StoredVersion } from '../../store/resource-store';
import type { FhirRepository } from '../repository';
import { sameParty } from './referral-parties';

/**
 * The one query for "the patient's open zorgtraject": the referral effects extend it (zorgtraject-effects.ts) and
 * the MESO document import adopts it (src/fhir/meso/import-adopt.ts), so both find the same episode. Callers
 * hold the patient's trajectory lock (src/store/trajectory-locks.ts) first.
 */

export const ZORGTRAJECT_TYPE = {
  system: canonical('CodeSystem', 'trajectory-type'),
  code: 'zorgtraject-kwetsbare-patienten',
  display: 'Zorgtraject kwetsbare patiënten',
} as const;
/** The statuses of a zorgtraject that is still open (R4 EpisodeOfCare). */
const OPEN = ['active', 'waitlist', 'onhold'];

export interface OpenZorgtrajectQuery {
  /** `Patient/<id>` */
  patient: string;
  /** The organisation whose zorgtraject is wanted; the oldest such one wins. */
  managing: Reference | undefined;
  /** Only one `managing` manages; else, when it manages none, the oldest open one of any organisation. */
  only: boolean;
  /** Which episodes may be chosen at all (all, when absent). */
  eligible?: (episode: EpisodeOfCare) => boolean;
}

/** The open zorgtraject the query names, its row locked for update (a concurrent client write waits). */
export async function openZorgtraject(
  repo: FhirRepository,
  query: OpenZorgtrajectQuery,
): Promise<StoredVersion | undefined> {
  const found = (await repo.findMatches(
    'EpisodeOfCare',
    [
      ['patient', query.patient],
      ['status', OPEN.join(',')],
      ['type', `${ZORGTRAJECT_TYPE.system}|${ZORGTRAJECT_TYPE.code}`],
    ],
    50,
  )) as EpisodeOfCare[];
  const candidates = found
    .filter((e) => query.eligible?.(e) ?? true)
    .sort((a, b) => startKey(a).localeCompare(startKey(b)));
  const own = candidates.find((e) => sameParty(e.managingOrganization, query.managing));
  const episode = own ?? (query.only ? undefined : candidates[0]);
  return episode && resourceStore.current(repo.queryable, 'EpisodeOfCare', episode.id as string, true);
}

const startKey = (e: EpisodeOfCare) => `${e.period?.start ?? ''}|${e.id}`;
