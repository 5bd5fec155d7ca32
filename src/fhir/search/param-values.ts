import { evalFhirPathTyped, toTypedValue } from '@medplum/core';
import type { Resource } from '@medplum/fhirtypes';
import type { IndexRow, Lookup } from '../../store/lookups/lookup';
import { lookupFor } from '../../store/lookups/lookup-kinds';
import { referenceLookup } from '../../store/lookups/reference';
import { ensureFhirSchema } from './fhir-schema';
import { searchableParams, type SearchParamDef } from './registry';

export type ParamRows = Map<Lookup, Array<{ param: string; row: IndexRow }>>;

/**
 * The index rows of the resource's search parameters that `wanted` accepts, in memory. The indexer (every
 * parameter) and the access checks (the reference parameters they need) share it, so a check on a resource in
 * memory gives what a query on its stored rows gives.
 */
export function paramRows(resource: Resource, wanted: (param: SearchParamDef) => boolean): ParamRows {
  ensureFhirSchema();
  const typed = toTypedValue(resource);
  const rows: ParamRows = new Map();
  for (const param of searchableParams(resource.resourceType)) {
    const lookup = lookupFor(param.type);
    if (!param.compiled || !lookup || !wanted(param)) continue;
    const values = evalFhirPathTyped(param.compiled, [typed], { '%resource': typed });
    const list = rows.get(lookup) ?? [];
    for (const row of lookup.extract(values)) list.push({ param: param.code, row });
    rows.set(lookup, list);
  }
  return rows;
}

/** The reference index rows of the named parameters of a resource. */
export function referenceRows(
  resource: Resource,
  codes: readonly string[],
): Array<{ param: string; row: IndexRow }> {
  if (codes.length === 0) return [];
  const rows = paramRows(resource, (p) => p.type === 'reference' && codes.includes(p.code));
  return rows.get(referenceLookup) ?? [];
}
