import { randomUUID } from 'node:crypto';
import type {
  Bundle,
  CarePlan,
  CareTeam,
  Composition,
  Condition,
  Consent,
  Goal,
  OperationOutcomeIssue,
  Organization,
  PractitionerRole,
  Reference,
  Resource,
} from '@medplum/fhirtypes';
import type { Executor, OperationHandler } from '../interactions/execute';
import type { ConformanceCheck } from '../repository';
import type { RequestContext } from '../../kernel/request-context';
import { badRequest, FhirError, issue } from '../../kernel/outcome';
import { keyOf, parseReference } from '../../kernel/reference';
import { canonical } from '../../domain/canonical';
import { documentSections, type DocumentParts } from './document-sections';

const PLAN_OF_CARE = { system: 'http://loinc.org', code: '18776-5', display: 'Plan of care note' };
const ADVANCE_DIRECTIVE = 'adr';

/**
 * CarePlan/{id}/$document: the zorgbehandelplan as a FHIR `document` Bundle for HIS systems that file documents.
 * Built only from what the caller may read (each resource through the repository's read, sub-plans and advance
 * directives through search), so access policy and audit apply as for the separate reads; what the caller may
 * not read is left out. The result is checked against base R4 before it leaves: an invalid document is our bug.
 */
export function documentOperation(conformance: ConformanceCheck): OperationHandler {
  return {
    name: 'document',
    levels: ['instance'],
    resourceTypes: ['CarePlan'],
    definition: canonical('OperationDefinition', 'CarePlan-document'),
    interaction: 'r',
    async execute(ctx, request, executor) {
      const unknown = request.query.find(([k]) => !k.startsWith('_'));
      if (unknown && !request.lenient)
        throw badRequest(`$document takes no parameter "${unknown[0]}"`, unknown[0]);
      // As a read: 404 for an unknown plan, 403 without a care relation, 410 when deleted.
      const plan = (await executor.repository.read(ctx, 'CarePlan', request.id as string))
        .resource as CarePlan;
      const bundle = await buildDocument(ctx, executor, plan);
      const errors = conformance
        .check(bundle)
        .filter((i) => i.severity === 'error' || i.severity === 'fatal');
      if (errors.length) throw notConformant(plan, errors);
      const found = (bundle.entry ?? []).slice(1).map((e) => e.resource as Resource);
      const touched = found.map(keyOf);
      await executor.auditRead(ctx, 'operation', touched, `CarePlan/${plan.id}/$document`, found);
      return { status: 200, body: bundle };
    },
  };
}

async function buildDocument(ctx: RequestContext, executor: Executor, plan: CarePlan): Promise<Bundle> {
  const read = (refs: readonly (Reference | undefined)[]) => readAll(ctx, executor, refs);
  const [patient] = await read([plan.subject]);
  const parts: DocumentParts = {
    plan,
    teams: (await read(plan.careTeam ?? [])) as CareTeam[],
    problems: (await read(plan.addresses ?? [])) as Condition[],
    goals: (await read(plan.goal ?? [])) as Goal[],
    subPlans: (await searchAll(ctx, executor, 'CarePlan', [
      ['part-of', `CarePlan/${plan.id}`],
    ])) as CarePlan[],
    directives: patient
      ? (
          (await searchAll(ctx, executor, 'Consent', [['patient', `Patient/${patient.id}`]])) as Consent[]
        ).filter(isAdvanceDirective)
      : [],
  };
  const [author] = await read([plan.author]);
  const [custodian] = await read([
    author?.resourceType === 'PractitionerRole' ? (author as PractitionerRole).organization : undefined,
  ]);
  const fullUrl = (r: Resource) => `${ctx.baseUrl}/${keyOf(r)}`;
  const ref = <T extends Resource>(r: Resource): Reference<T> => ({
    reference: fullUrl(r),
    type: r.resourceType,
  });
  const now = new Date().toISOString();
  const composition: Composition = {
    resourceType: 'Composition',
    id: randomUUID(),
    status: 'final',
    type: { coding: [PLAN_OF_CARE], text: 'Zorgbehandelplan' },
    subject: patient ? ref(patient) : { display: plan.subject?.display },
    date: now,
    author: [
      author
        ? ref<PractitionerRole>(author)
        : custodian
          ? ref<Organization>(custodian)
          : { display: plan.author?.display ?? 'MESO-team' },
    ],
    title: 'Zorgbehandelplan',
    custodian: custodian ? ref<Organization>(custodian) : undefined,
    section: documentSections(parts, fullUrl),
  };
  const resources = unique([
    plan,
    ...(patient ? [patient] : []),
    ...(author ? [author] : []),
    ...(custodian ? [custodian] : []),
    ...parts.teams,
    ...parts.problems,
    ...parts.goals,
    ...parts.subPlans,
    ...parts.directives,
  ]);
  return {
    resourceType: 'Bundle',
    identifier: { system: 'urn:ietf:rfc:3986', value: `urn:uuid:${randomUUID()}` },
    type: 'document',
    timestamp: now,
    entry: [
      { fullUrl: `urn:uuid:${composition.id}`, resource: composition },
      ...resources.map((resource) => ({ fullUrl: fullUrl(resource), resource })),
    ],
  };
}

/** The referenced resources the caller may read, in order; the others (refused, unknown, deleted) left out. */
async function readAll(
  ctx: RequestContext,
  executor: Executor,
  refs: readonly (Reference | undefined)[],
): Promise<Resource[]> {
  const found: Resource[] = [];
  for (const ref of refs) {
    const parsed = ref?.reference ? parseReference(ref.reference) : undefined;
    if (parsed?.kind !== 'relative') continue;
    const resource = await leftOutIfRefused(async () => {
      executor.scope(ctx, parsed.resourceType, 'r');
      return (await executor.repository.read(ctx, parsed.resourceType, parsed.id)).resource as Resource;
    });
    if (resource) found.push(resource);
  }
  return found;
}

/** One search's matches as the caller's access restriction allows (one page of the maximum size). */
async function searchAll(
  ctx: RequestContext,
  executor: Executor,
  type: string,
  params: Array<[string, string]>,
): Promise<Resource[]> {
  const bundle = await leftOutIfRefused(async () => {
    executor.scope(ctx, type, 's');
    const { paging } = executor.deps;
    return executor.deps.search(
      executor.repository.queryable,
      type,
      [...params, ['_count', String(paging.maxCount)]],
      {
        baseUrl: ctx.baseUrl,
        lenient: false,
        access: await executor.restriction(ctx),
        ...paging,
      },
    );
  });
  return (bundle?.entry ?? []).flatMap((e) =>
    e.search?.mode !== 'include' && e.resource ? [e.resource] : [],
  );
}

async function leftOutIfRefused<T>(fn: () => Promise<T>): Promise<T | undefined> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof FhirError && [403, 404, 410].includes(err.status)) return undefined;
    throw err;
  }
}

/** A document that fails R4 is our fault, not the caller's: a 500 that says so, with the validator's findings. */
const notConformant = (plan: CarePlan, errors: readonly OperationOutcomeIssue[]) =>
  new FhirError(500, [
    issue(
      'exception',
      `The document built for CarePlan/${plan.id} does not conform to FHIR R4; retry later or report it to the service's maintainers`,
    ),
    ...errors,
  ]);

const isAdvanceDirective = (consent: Consent) =>
  consent.status === 'active' && (consent.scope?.coding ?? []).some((c) => c.code === ADVANCE_DIRECTIVE);

function unique(resources: Resource[]): Resource[] {
  const seen = new Set<string>();
  return resources.filter((r) => {
    const key = keyOf(r);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
