import type { Identifier, Reference, Resource } from '@medplum/fhirtypes';

/**
 * Where each type points at the patient it is about: the R4 Patient CompartmentDefinition
 * (compartmentdefinition-patient.html) for the types this service serves, as element paths. Task is not in the
 * R4 compartment; `for` is listed so that the policy can treat a referral Task as the patient's.
 */
export const PATIENT_PATHS: Readonly<Record<string, readonly string[]>> = {
  Patient: ['link.other'],
  RelatedPerson: ['patient'],
  CareTeam: ['subject', 'participant.member'],
  EpisodeOfCare: ['patient'],
  CarePlan: ['subject', 'activity.detail.performer'],
  Goal: ['subject'],
  Condition: ['subject', 'asserter'],
  ServiceRequest: ['subject', 'performer'],
  Observation: ['subject', 'performer'],
  Consent: ['patient'],
  Provenance: ['target'],
  AuditEvent: ['agent.who', 'entity.what'],
  Group: ['member.entity'],
  Task: ['for'],
};

// Only relative, unversioned references count: an absolute URL may name another server's Patient with the same id.
const PATIENT_REF = /^Patient\/([-A-Za-z0-9.]{1,64})$/;

export function patientIdFromReference(reference: string | undefined): string | undefined {
  return reference ? PATIENT_REF.exec(reference)?.[1] : undefined;
}

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

/** The ids of the patients a resource is about (a Patient is in its own compartment). */
export function patientIdsOf(resource: Resource): string[] {
  const ids = new Set<string>();
  if (resource.resourceType === 'Patient' && resource.id) ids.add(resource.id);
  for (const path of PATIENT_PATHS[resource.resourceType] ?? []) {
    for (const ref of referencesAt(resource, path)) {
      const id = patientIdFromReference(ref.reference);
      if (id) ids.add(id);
    }
  }
  return [...ids];
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
