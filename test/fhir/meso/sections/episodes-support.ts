import type { Resource } from '@medplum/fhirtypes';
import type { MesoCarePlanDocument } from '../../../../src/meso-document/document';
import { checkBusinessRules } from '../../../../src/fhir/validation/business-rules';
import { EXAMPLE_NAMES, example, validationErrors } from './people';

/**
 * What the trajectory, escalations and ELV tests add to people.ts: the examples as [name, document] rows, and
 * the Dutch business rules (identifier formats, a rejected referral's coded reason) beside the profiles.
 */

export const examples = EXAMPLE_NAMES.map((name) => [name, example(name)] as const);

export async function errorsOf(resource: Resource, doc: MesoCarePlanDocument): Promise<string[]> {
  const rules = checkBusinessRules(resource)
    .filter((i) => i.severity === 'error' || i.severity === 'fatal')
    .map((i) => `${i.expression?.join()}: ${i.diagnostics}`);
  return [...(await validationErrors(resource, doc)), ...rules];
}
