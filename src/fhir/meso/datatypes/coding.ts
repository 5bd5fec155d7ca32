import type { CodeableConcept, Coding as FhirCoding } from '@medplum/fhirtypes';
import type { Coding } from '../../../meso-document/document';

export const SCT = 'http://snomed.info/sct';

export function cc(system: string, code: string, display?: string, text?: string): CodeableConcept {
  return { coding: [{ system, code, ...(display ? { display } : {}) }], ...(text ? { text } : {}) };
}

export function codingToFhir(c: Coding): FhirCoding {
  return { system: c.system, code: c.code, display: c.display };
}

/** A document coding back; the schema requires a display, so a coding without one is not the document's. */
export function codingFromFhir(c: FhirCoding | undefined): Coding | undefined {
  if (!c?.system || !c.code || !c.display) return undefined;
  return { system: c.system, code: c.code, display: c.display };
}

/** The first coding of `system` among the concepts. */
export function codingIn(
  concepts: CodeableConcept | CodeableConcept[] | undefined,
  system: string,
): FhirCoding | undefined {
  const list = Array.isArray(concepts) ? concepts : concepts ? [concepts] : [];
  return list.flatMap((c) => c.coding ?? []).find((c) => c.system === system);
}

/** The document value a FHIR code stands for, by reversing the toFhir table. */
export function reverseLookup<K extends string>(
  table: Record<K, string>,
  value: string | undefined,
): K | undefined {
  return (Object.keys(table) as K[]).find((k) => table[k] === value);
}
