import type {
  CarePlan,
  CareTeam,
  Consent,
  PractitionerRole,
  Reference,
  Resource,
  ServiceRequest,
} from '@medplum/fhirtypes';
import { keyOf, localKey } from '../../kernel/reference';
import { obj, objs } from './shape';

/** SNOMED 135411000146103 (multidisciplinair zorgbehandelplan): the category that marks the MESO plan. */
export const ZORGBEHANDELPLAN = { system: 'http://snomed.info/sct', code: '135411000146103' } as const;

export function isZorgbehandelplan(resource: Resource): resource is CarePlan {
  return (
    resource.resourceType === 'CarePlan' &&
    objs(resource.category).some((c) =>
      objs(c.coding).some((x) => x.system === ZORGBEHANDELPLAN.system && x.code === ZORGBEHANDELPLAN.code),
    )
  );
}

/** Consent.scope codes of the zib AdvanceDirective (wilsverklaring) and TreatmentDirective2 (behandelgrens). */
const DIRECTIVE_SCOPES = new Set(['adr', 'treatment']);

/**
 * How the plan's references are looked up, as the service itself sees them (no access restriction): the write
 * transaction while a plan is stored, the pool in the refresh job. Implemented outside src/fhir/narrative.
 */
export interface PlanResolver {
  /** The current, not deleted resources of local `Type/id` keys (unknown or deleted ones are left out). */
  readMany(keys: readonly string[]): Promise<Resource[]>;
  /** Current matches of a search on this server. */
  search(resourceType: string, params: ReadonlyArray<[string, string]>): Promise<Resource[]>;
}

/** The plan with everything its summary shows, resolved. */
export interface PlanGraph {
  plan: CarePlan;
  /** Every resolved resource by `Type/id` (team, members, roles, problems, goals, activities, performers). */
  resolved: ReadonlyMap<string, Resource>;
  /** CarePlans that are partOf this plan (help from others, sub-plans with their activities). */
  subPlans: CarePlan[];
  /** The patient's active advance directives and treatment limits. */
  directives: Consent[];
}

/** The resource a reference names, when it was resolved. */
export function lookup<T extends Resource>(graph: PlanGraph, ref: Reference | undefined): T | undefined {
  const key = localKey(obj(ref)?.reference);
  return key ? (graph.resolved.get(key) as T | undefined) : undefined;
}

/** Any reference, whatever its target type. */
type AnyRef = { reference?: string } | undefined;

const refsOf = (refs: readonly AnyRef[]) =>
  refs.map((r) => localKey(obj(r)?.reference)).filter((k): k is string => k !== undefined);

/** The references whose targets the summary shows, one level further down from `resource`. */
function nextRefs(resource: Resource): AnyRef[] {
  switch (resource.resourceType) {
    case 'CareTeam':
      return [
        ...objs((resource as CareTeam).participant).map((p) => p.member),
        ...objs((resource as CareTeam).managingOrganization),
      ];
    case 'PractitionerRole':
      return [(resource as PractitionerRole).practitioner, (resource as PractitionerRole).organization];
    case 'ServiceRequest':
      return objs((resource as ServiceRequest).performer);
    case 'CarePlan':
      return planRefs(resource as CarePlan);
    default:
      return [];
  }
}

function planRefs(plan: CarePlan): AnyRef[] {
  const activities = objs(plan.activity);
  return [
    plan.subject,
    plan.author,
    ...objs(plan.careTeam),
    ...objs(plan.addresses),
    ...objs(plan.goal),
    ...activities.map((a) => a.reference),
    ...activities.flatMap((a) => objs(obj(a.detail)?.performer)),
  ];
}

/** Search results in a stable order: the same graph must give the same text, or the refresh job writes in vain. */
const byId = <T extends Resource>(resources: T[]): T[] =>
  [...resources].sort((a, b) => (a.id ?? '').localeCompare(b.id ?? ''));

// Plan → team → member → role's practitioner/organisation is three levels; one more for activity performers.
const MAX_DEPTH = 4;

/** Resolves the plan's graph: its references level by level (each resource once), sub-plans and directives. */
export async function resolvePlanGraph(plan: CarePlan, resolver: PlanResolver): Promise<PlanGraph> {
  const resolved = new Map<string, Resource>();
  const subPlans = plan.id
    ? byId((await resolver.search('CarePlan', [['part-of', `CarePlan/${plan.id}`]])) as CarePlan[])
    : [];
  let frontier = refsOf([...planRefs(plan), ...subPlans.flatMap(planRefs)]);
  for (let depth = 0; depth < MAX_DEPTH && frontier.length; depth++) {
    // One read per level, not per reference.
    const found = await resolver.readMany([...new Set(frontier)].filter((k) => !resolved.has(k)));
    for (const resource of found) resolved.set(keyOf(resource), resource);
    // A referenced CarePlan (author's other plan) is shown by display only: its own graph is not this plan's.
    frontier = refsOf(found.filter((r) => r.resourceType !== 'CarePlan').flatMap(nextRefs));
  }
  const patient = localKey(obj(plan.subject)?.reference);
  const consents = patient?.startsWith('Patient/')
    ? ((await resolver.search('Consent', [['patient', patient]])) as Consent[])
    : [];
  const directives = consents.filter(
    (c) =>
      c.status === 'active' && objs(obj(c.scope)?.coding).some((x) => DIRECTIVE_SCOPES.has(x.code ?? '')),
  );
  return { plan, resolved, subPlans, directives: byId(directives) };
}
