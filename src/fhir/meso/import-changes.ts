import type { CodeableConcept, Identifier, Resource } from '@medplum/fhirtypes';
import { identifiersOf } from './import-ids';

/**
 * Steps (e) and (f) of an import: what a new version changes, how a shared resource takes the document's content,
 * and how an item that left the document ends (never deleted).
 */

/** Key-order independent JSON (PostgreSQL jsonb reorders object keys), for comparing and hashing content. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** The content that counts: id, meta (version, profile defaults) and the generated narrative do not. */
function content(resource: Resource): string {
  const { id: _id, meta: _meta, text: _text, ...rest } = resource as Resource & { text?: unknown };
  return canonicalJson(rest);
}

export const sameContent = (a: Resource, b: Resource): boolean => content(a) === content(b);

/**
 * A shared resource (Patient, Practitioner, Organization) as the document sees it, over what is stored: the
 * document's elements win, the stored ones it does not name stay, and no stored identifier is ever dropped.
 */
export function mergeShared(stored: Resource, planned: Resource): Resource {
  const ids = identifiersOf(stored);
  const key = (i: Identifier) => `${i.system}|${i.value}`;
  const known = new Set(ids.map(key));
  const identifier = [...ids, ...identifiersOf(planned).filter((i) => !known.has(key(i)))];
  const { meta: _meta, text: _text, ...kept } = stored as Resource & { text?: unknown };
  return { ...kept, ...planned, id: stored.id, ...(identifier.length ? { identifier } : {}) } as Resource;
}

type Ender = (resource: Resource) => Resource;
const field = (r: Resource, name: string): unknown => (r as unknown as Record<string, unknown>)[name];
const set = (r: Resource, name: string, value: unknown) => ({ ...r, [name]: value }) as Resource;
/** Sets `name` to `to` unless the current value already is an end state. */
const status =
  (name: string, to: string, ends: readonly string[]): Ender =>
  (r) =>
    ends.includes(String(field(r, name))) ? r : set(r, name, to);

const CONDITION_CLINICAL = 'http://terminology.hl7.org/CodeSystem/condition-clinical';
const inactiveCondition: Ender = (r) => {
  const current = (field(r, 'clinicalStatus') as CodeableConcept | undefined)?.coding?.find(
    (c) => c.system === CONDITION_CLINICAL,
  )?.code;
  // An entered-in-error problem has no clinical status (con-5); resolved and in remission have ended already.
  const verification = (field(r, 'verificationStatus') as CodeableConcept | undefined)?.coding?.[0]?.code;
  if (verification === 'entered-in-error' || ['inactive', 'resolved', 'remission'].includes(current ?? ''))
    return r;
  const clinicalStatus = { coding: [{ system: CONDITION_CLINICAL, code: 'inactive', display: 'Inactive' }] };
  return set(r, 'clinicalStatus', clinicalStatus);
};

const episodeEnd: Ender = (r) => {
  const s = String(field(r, 'status'));
  if (['planned', 'waitlist'].includes(s)) return set(r, 'status', 'cancelled');
  if (['active', 'onhold'].includes(s)) return set(r, 'status', 'finished');
  return r;
};

const encounterEnd: Ender = (r) => {
  const s = String(field(r, 'status'));
  if (['planned', 'arrived', 'triaged'].includes(s)) return set(r, 'status', 'cancelled');
  if (['in-progress', 'onleave'].includes(s)) return set(r, 'status', 'finished');
  return r;
};

const inactive: Ender = (r) => set(r, 'active', false);

/**
 * How each type of document-owned resource ends when a new version no longer has it. It stays stored (history,
 * other systems may point at it) and is no longer referenced by the new CarePlan. An Observation is a finding
 * of its moment: it stays true, so it is only unlinked, not changed. A type not listed is only unlinked too.
 */
export const ENDINGS: Readonly<Record<string, Ender>> = {
  Condition: inactiveCondition,
  Goal: status('lifecycleStatus', 'cancelled', ['completed', 'cancelled', 'rejected', 'entered-in-error']),
  ServiceRequest: status('status', 'revoked', ['completed', 'revoked', 'entered-in-error']),
  Task: status('status', 'cancelled', ['completed', 'failed', 'cancelled', 'rejected', 'entered-in-error']),
  Consent: status('status', 'inactive', ['inactive', 'rejected', 'entered-in-error']),
  CareTeam: status('status', 'inactive', ['inactive', 'entered-in-error']),
  EpisodeOfCare: episodeEnd,
  Encounter: encounterEnd,
  RelatedPerson: inactive,
  PractitionerRole: inactive,
};

/** The ended form of a stored item, or undefined when it has nothing to end (it is then only unlinked). */
export function ended(resource: Resource): Resource | undefined {
  const end = ENDINGS[resource.resourceType];
  const after = end?.(stripVersionMeta(resource));
  return after && !sameContent(after, resource) ? after : undefined;
}

/** A stored resource without its version meta and generated narrative, as a new version starts. */
export function stripVersionMeta(resource: Resource): Resource {
  const { text: _text, ...rest } = resource as Resource & { text?: unknown };
  const profile = resource.meta?.profile;
  return { ...rest, meta: profile ? { profile } : undefined } as Resource;
}
