import type { Bundle, CarePlan, OperationOutcomeIssue, Resource } from '@medplum/fhirtypes';
import type { MesoCarePlanDocument } from '../../../../src/meso-document/document';
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
 * For the trajectory, escalations and ELV section tests: what those sections point at that is not mapped yet
 * (problems, the CarePlan) gets a stand-in for any key no section planned. Once those sections are in, they
 * plan the keys themselves and the stand-ins drop out.
 */

export const examples = EXAMPLE_NAMES.map(
  (name) => [name, example(name) as unknown as MesoCarePlanDocument] as const,
);

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
 * The bundle references resolve in: what the sections planned. The stand-ins do not conform and are left
 * out: a reference that does not resolve is not checked against its target profile.
 */
export const validationBundle = (doc: MesoCarePlanDocument): Bundle => plannedBundle(documentToFhir(doc));

export function errorsOf(v: ResourceValidator, resource: Resource, bundle: Bundle): string[] {
  const issues: OperationOutcomeIssue[] = [
    ...v.validate(resource, { bundle }),
    ...checkBusinessRules(resource),
  ];
  return issues
    .filter((i) => i.severity === 'error' || i.severity === 'fatal')
    .map((i) => `${i.expression?.join()}: ${i.diagnostics}`);
}
