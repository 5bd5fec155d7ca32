import type { MesoCarePlanDocument } from '../../meso-document/document';

/**
 * The documented normalisation of the round trip: import then export gives `normalizeDocument(input)`.
 * Each rule says what FHIR cannot hold apart, and so what a rebuilt document reports instead.
 *
 * 1. Absent, empty optional arrays and optional groups with nothing in them (`problems: {}`,
 *    `circumstances: {}`) are the same: FHIR holds no resource for them, so empty ones are left out.
 */
export function normalizeDocument(doc: MesoCarePlanDocument): MesoCarePlanDocument {
  return dropEmpty(doc) as MesoCarePlanDocument;
}

function dropEmpty(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(dropEmpty);
  if (value === null || typeof value !== 'object') return value;
  const entries = Object.entries(value)
    .map(([k, v]) => [k, dropEmpty(v)] as const)
    .filter(([, v]) => v !== undefined && !isEmpty(v));
  return Object.fromEntries(entries);
}

const isEmpty = (v: unknown): boolean =>
  Array.isArray(v) ? v.length === 0 : typeof v === 'object' && v !== null && Object.keys(v).length === 0;
