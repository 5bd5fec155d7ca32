import type { Identifier, Reference, Resource } from '@medplum/fhirtypes';

// Which patients a resource is about is src/fhir/search/compartment.ts (the stored compartment rows); this
// module holds the policy's helpers for naming an organisation (the party) in references.

/** Every value at a dotted path, flattening arrays on the way (FHIRPath-like, without functions). */
export function valuesAt(value: unknown, path: string): unknown[] {
  let current: unknown[] = [value];
  for (const step of path.split('.')) {
    const next: unknown[] = [];
    for (const item of current) {
      if (item === null || typeof item !== 'object') continue;
      const child = (item as Record<string, unknown>)[step];
      if (Array.isArray(child)) next.push(...child);
      else if (child !== undefined) next.push(child);
    }
    current = next;
  }
  return current;
}

export function referencesAt(resource: Resource, path: string): Reference[] {
  return valuesAt(resource, path).filter((v): v is Reference => typeof v === 'object' && v !== null);
}

/** An organisation as references may name it: by reference (its own, its PractitionerRoles) or by identifier. */
export interface Party {
  references: readonly string[];
  identifiers: readonly Identifier[];
}

export function referenceNames(ref: Reference | undefined, party: Party): boolean {
  if (!ref) return false;
  if (ref.reference && party.references.includes(ref.reference)) return true;
  const id = ref.identifier;
  return !!id && party.identifiers.some((p) => p.system === id.system && p.value === id.value);
}

/** jsonb containment patterns that match a Reference naming the party (see access-policy SQL). */
export function referencePatterns(party: Party): Reference[] {
  return [
    ...party.references.map((reference) => ({ reference })),
    ...party.identifiers.map((identifier) => ({
      identifier: { system: identifier.system, value: identifier.value },
    })),
  ];
}
