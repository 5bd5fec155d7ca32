import type { Resource } from '@medplum/fhirtypes';
import type { Queryable } from '../../store/database';
import { replaceIndexRows, retireIndexRows, type ResourceIndex } from '../../store/lookups/index-rows';
import { referenceLookup } from '../../store/lookups/reference';
import { careRelations } from '../access/care-relations';
import { compartmentPatients } from './compartment';
import { paramRows } from './param-values';

/**
 * Evaluates every searchable parameter of the resource's type into index rows, in memory, with its patient
 * compartments and the care relations it causes: every row a resource owns, from one pure function.
 */
export function indexResource(resource: Resource): ResourceIndex {
  const rows = paramRows(resource, () => true);
  const references = rows.get(referenceLookup) ?? [];
  const patientIds = compartmentPatients(resource.resourceType, resource.id as string, references);
  return { rows, patientIds, relations: careRelations(resource, references) };
}

/**
 * Replaces all index and compartment rows of the resource with `index` (from indexResource, computed before the
 * transaction); call in the transaction that writes version `versionId`. `fresh`: it has no rows to replace.
 */
export async function storeIndexes(
  tx: Queryable,
  resourceType: string,
  id: string,
  index: ResourceIndex,
  versionId: number,
  fresh = false,
): Promise<void> {
  await replaceIndexRows(tx, resourceType, id, index, versionId, fresh);
}

/** Indexes and stores a resource as stored (its meta.versionId); for seeding tests and tools without the pipeline. */
export async function writeIndexes(tx: Queryable, resource: Resource): Promise<void> {
  if (!resource.id) throw new Error('writeIndexes needs a resource with an id');
  const versionId = Number(resource.meta?.versionId);
  await replaceIndexRows(
    tx,
    resource.resourceType,
    resource.id,
    indexResource(resource),
    Number.isInteger(versionId) ? versionId : undefined,
  );
}

/**
 * Removes the index rows of a deleted resource, so that it no longer matches, includes or counts anywhere; its
 * deletion marker (already written) keeps the access rows of the removed content for history.
 */
export async function removeIndexes(tx: Queryable, resourceType: string, id: string): Promise<void> {
  await retireIndexRows(tx, resourceType, id);
}
