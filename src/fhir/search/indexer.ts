import { evalFhirPathTyped, toTypedValue } from '@medplum/core';
import type { Resource } from '@medplum/fhirtypes';
import type { Queryable } from '../../store/database';
import { replaceIndexRows, retireIndexRows, type ResourceIndex } from '../../store/lookups/index-rows';
import type { Lookup } from '../../store/lookups/lookup';
import { lookupFor } from '../../store/lookups/lookup-kinds';
import { referenceLookup } from '../../store/lookups/reference';
import { compartmentPatients } from './compartment';
import { ensureFhirSchema } from './fhir-schema';
import { searchableParams } from './registry';

/** Evaluates every searchable parameter of the resource's type into index rows, in memory. */
export function indexResource(resource: Resource): ResourceIndex {
  ensureFhirSchema();
  const typed = toTypedValue(resource);
  const rows: ResourceIndex['rows'] = new Map<
    Lookup,
    Array<{ param: string; row: Record<string, string | number | null> }>
  >();
  for (const param of searchableParams(resource.resourceType)) {
    const lookup = lookupFor(param.type);
    if (!param.compiled || !lookup) continue;
    const values = evalFhirPathTyped(param.compiled, [typed], { '%resource': typed });
    const list = rows.get(lookup) ?? [];
    for (const row of lookup.extract(values)) list.push({ param: param.code, row });
    rows.set(lookup, list);
  }
  const patientIds = compartmentPatients(
    resource.resourceType,
    resource.id as string,
    rows.get(referenceLookup) ?? [],
  );
  return { rows, patientIds };
}

/** Replaces all index and compartment rows of the resource; call in the transaction that writes it. */
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
