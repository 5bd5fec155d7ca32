/** The one canonical base for every conformance resource this project owns (profiles/meso). */
export const CANONICAL_BASE = 'https://meso-zorg.nl/fhir';

/** Canonical URL of a project-owned conformance resource, e.g. `canonical('CodeSystem', 'trajectory-type')`. */
export function canonical(resourceType: string, id: string): string {
  return `${CANONICAL_BASE}/${resourceType}/${id}`;
}
