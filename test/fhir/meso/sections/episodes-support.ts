import type { Bundle, CarePlan, OperationOutcomeIssue, Resource } from '@medplum/fhirtypes';
import type { MesoCarePlanDocument, Organisation } from '../../../../src/meso-document/document';
import { organisationToFhir } from '../../../../src/fhir/meso/datatypes/organisation';
import {
  MESO_DOCUMENT_SYSTEM,
  itemIdentifier,
  keyRef,
  plannedBundle,
  plannedGraph,
  type Graph,
  type Planned,
} from '../../../../src/fhir/meso/graph';
import { KEY } from '../../../../src/fhir/meso/keys';
import { documentToFhir } from '../../../../src/fhir/meso/mapping';
import { ResourceValidator } from '../../../../src/fhir/validation/validator';
import { checkBusinessRules } from '../../../../src/fhir/validation/business-rules';
import { EXAMPLE_NAMES, example } from '../../../meso-document/examples';

/**
 * For the trajectory, escalations and ELV section tests: what those sections point at (team roles, problems,
 * organisations, the CarePlan) may still be placeholders, so stand-ins are added for any key no section
 * planned. Once the other sections are in, they plan those keys themselves and the stand-ins drop out.
 */

export const examples = EXAMPLE_NAMES.map(
  (name) => [name, example(name) as unknown as MesoCarePlanDocument] as const,
);

/** Every organisation the trajectory, escalations and ELV episodes name, first per URA. */
function organisations(doc: MesoCarePlanDocument): Organisation[] {
  return [
    doc.trajectory.managingOrganisation,
    ...(doc.escalations ?? []).map((e) => e.receiver),
    ...(doc.elvEpisodes ?? []).map((e) => e.location),
  ];
}

function standIns(doc: MesoCarePlanDocument): Planned[] {
  const owned = (key: string, resource: Resource): Planned => ({
    key,
    resource: { ...resource, identifier: [itemIdentifier(doc.document.id, key)] } as Resource,
  });
  const plan: CarePlan = {
    resourceType: 'CarePlan',
    identifier: [{ system: MESO_DOCUMENT_SYSTEM, value: doc.document.id }],
    status: 'active',
    intent: 'plan',
    subject: keyRef(KEY.patient),
  };
  return [
    ...organisations(doc).map((o) => ({
      key: KEY.organisation(o),
      resource: organisationToFhir(o),
      shared: true,
    })),
    ...doc.team.members.map((m) => owned(KEY.memberRole(m.id), { resourceType: 'PractitionerRole' })),
    ...Object.values(doc.problems ?? {})
      .flat()
      .map((p) =>
        owned(KEY.problem(p.id), { resourceType: 'Condition', subject: keyRef(KEY.patient) } as Resource),
      ),
    { key: KEY.carePlan, resource: plan },
  ];
}

/** documentToFhir plus stand-ins for keys no section planned yet. */
export function plannedWithStandIns(doc: MesoCarePlanDocument): Planned[] {
  const planned = documentToFhir(doc);
  const keys = new Set(planned.map((p) => p.key));
  const extra: Planned[] = [];
  for (const s of standIns(doc)) if (!keys.has(s.key) && keys.add(s.key)) extra.push(s);
  return [...planned, ...extra];
}

export const graphOf = (doc: MesoCarePlanDocument): Graph => plannedGraph(plannedWithStandIns(doc));

/**
 * The bundle references resolve in: what the sections planned, plus the stand-in Organizations (they are what
 * the organisations section builds), so target profiles are checked. The other stand-ins do not conform and
 * are left out: a reference that does not resolve is not checked against its target profile.
 */
export function validationBundle(doc: MesoCarePlanDocument): Bundle {
  const planned = documentToFhir(doc);
  const keys = new Set(planned.map((p) => p.key));
  const orgs = standIns(doc).filter((s) => s.resource.resourceType === 'Organization' && !keys.has(s.key));
  const unique = [...new Map(orgs.map((o) => [o.key, o])).values()];
  return plannedBundle([...planned, ...unique]);
}

export function errorsOf(v: ResourceValidator, resource: Resource, bundle: Bundle): string[] {
  const issues: OperationOutcomeIssue[] = [
    ...v.validate(resource, { bundle }),
    ...checkBusinessRules(resource),
  ];
  return issues
    .filter((i) => i.severity === 'error' || i.severity === 'fatal')
    .map((i) => `${i.expression?.join()}: ${i.diagnostics}`);
}
