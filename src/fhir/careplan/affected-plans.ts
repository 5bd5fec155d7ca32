import type { CarePlan, Resource } from '@medplum/fhirtypes';
import type { Queryable } from '../../store/database';
import { resourceStore } from '../../store/resource-store';
import { keyOf, localKey } from '../../kernel/reference';
import type { ResourceChange } from '../ports';
import { findMatches } from '../search/search';
import { ZORGBEHANDELPLAN } from '../narrative/plan-graph';

/**
 * Bounds the fan-out of one change (an Organization may be in many teams); plans beyond it are refreshed by their
 * own next write.
 */
const LIMIT = 500;
const CATEGORY: [string, string] = ['category', `${ZORGBEHANDELPLAN.system}|${ZORGBEHANDELPLAN.code}`];

/** The patient-bound types the plan summary shows: a change refreshes that patient's plans. */
const PATIENT_BOUND = new Set([
  'Patient',
  'RelatedPerson',
  'CareTeam',
  'Condition',
  'Goal',
  'ServiceRequest',
  'Consent',
  'CarePlan',
]);

/** Types shown through team membership: a change refreshes the plans whose team holds them. */
const MEMBER_BOUND = new Set(['PractitionerRole', 'Practitioner', 'Organization']);

/** The version the change is about; for a deletion the version before it (the content that was shown). */
async function changedContent(q: Queryable, change: ResourceChange): Promise<Resource | undefined> {
  const versionId = change.interaction === 'delete' ? change.versionId - 1 : change.versionId;
  if (versionId < 1) return undefined;
  return (await resourceStore.version(q, change.resourceType, change.id, versionId))?.resource as
    Resource | undefined;
}

function patientOf(resource: Resource): string | undefined {
  if (resource.resourceType === 'Patient') return keyOf(resource);
  const r = resource as { subject?: { reference?: string }; patient?: { reference?: string } };
  const key = localKey(r.subject?.reference ?? r.patient?.reference);
  return key?.startsWith('Patient/') ? key : undefined;
}

const search = (q: Queryable, type: string, params: ReadonlyArray<[string, string]>) =>
  findMatches(q, type, params, LIMIT);

async function plansOfMember(q: Queryable, resource: Resource): Promise<Resource[]> {
  const key = keyOf(resource);
  const roles =
    resource.resourceType === 'PractitionerRole'
      ? [key]
      : (
          await search(q, 'PractitionerRole', [
            [resource.resourceType === 'Practitioner' ? 'practitioner' : 'organization', key],
          ])
        ).map(keyOf);
  const members = [key, ...roles];
  const teams = await search(q, 'CareTeam', [['participant', members.join(',')]]);
  if (!teams.length) return [];
  return search(q, 'CarePlan', [['care-team', teams.map(keyOf).join(',')], CATEGORY]);
}

/**
 * The zorgbehandelplannen whose summary may show the changed resource: the patient's plans for what belongs to a
 * patient, the plans of the teams a professional or organisation is in otherwise. A zorgbehandelplan's own change
 * is not one of them: its write derived the summary already.
 */
export async function affectedPlans(q: Queryable, change: ResourceChange): Promise<CarePlan[]> {
  if (!PATIENT_BOUND.has(change.resourceType) && !MEMBER_BOUND.has(change.resourceType)) return [];
  const resource = await changedContent(q, change);
  if (!resource) return [];
  let plans: Resource[] = [];
  if (MEMBER_BOUND.has(resource.resourceType)) plans = await plansOfMember(q, resource);
  else {
    const patient = patientOf(resource);
    if (patient) plans = await search(q, 'CarePlan', [['patient', patient], CATEGORY]);
  }
  const self = `${change.resourceType}/${change.id}`;
  return plans.filter((p) => keyOf(p) !== self) as CarePlan[];
}
