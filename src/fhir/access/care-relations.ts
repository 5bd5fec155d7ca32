import type { Consent, Reference, Resource } from '@medplum/fhirtypes';
import type { CareDenyRow, CareRelationRow, CareRelations, RelationKeys } from '../../store/access-relations';
import { indexKey, type IndexRow } from '../../store/lookups/lookup';
import type { OrganizationKind } from '../../kernel/caller';
import { referencesAt, type Party } from './patient-compartment';
import {
  EVERYONE,
  isPrivacyConsent,
  KIND,
  ORGANIZATION_KIND_SYSTEM,
  provisions,
  SPECIFIC,
} from './patient-objection';

/** How a patient becomes "this organisation's patient" (the access policy lists which ones each kind counts). */
export type PatientSource =
  | 'general-practitioner' // Patient.generalPractitioner names the organisation or one of its PractitionerRoles
  | 'care-team' // a CareTeam (not inactive) has the organisation as participant.member or .onBehalfOf
  | 'managed-episode' // an EpisodeOfCare (not entered-in-error) has it as managingOrganization
  | 'owned-task' // a referral Task is addressed to it (owner): the receiver must see whom it is about
  | 'requested-task' // it sent a referral Task (requester): it reads back the Patient it referred, nothing more
  | 'any-episode' // every patient with a zorgtraject (the regional platform)
  | 'any-task'; // every patient with a referral (the platform's referral indicators)

/** The party key of rows that hold for every caller whose kind counts their reason (any-episode, any-task). */
export const ANY_PARTY = 'any';

/** Reasons that relate a caller to every patient of a kind: a caller counting them sees most of a region. */
const BROAD_REASONS: readonly PatientSource[] = ['any-episode', 'any-task'];

/**
 * The keys a Reference names a party by, as `referenceNames` compares them: its literal reference, and its
 * identifier (system and value). Prefixed, so that no reference can pass for an identifier, a kind or `any`.
 */
export function referenceKeys(ref: Reference | undefined): string[] {
  const keys: string[] = [];
  if (typeof ref?.reference === 'string') keys.push(referenceKey(ref.reference));
  const id = ref?.identifier;
  if (typeof id?.system === 'string' && typeof id.value === 'string')
    keys.push(identifierKey(id.system, id.value));
  return keys;
}
// Keys are btree index keys: a long one is its first bytes plus the SHA-256 of the whole (indexKey), as in search.
const referenceKey = (reference: string) => indexKey(`ref:${reference}`);
const identifierKey = (system: string, value: string) => indexKey(`id:${JSON.stringify([system, value])}`);

/** The keys naming the party: its references (Organization, PractitionerRoles) and identifiers (URA, AGB). */
export function partyKeys(party: Party): string[] {
  return [
    ...party.references.map(referenceKey),
    ...party.identifiers.flatMap((i) => (i.system && i.value ? [identifierKey(i.system, i.value)] : [])),
  ];
}

/** The caller's keys for the relation table: a handful, whatever the number of its patients. */
export function relationKeys(
  kind: OrganizationKind,
  party: Party,
  reasons: readonly PatientSource[],
): RelationKeys {
  const keys = partyKeys(party);
  const broad = reasons.some((r) => BROAD_REASONS.includes(r));
  return { parties: [...keys, ANY_PARTY], reasons, denyParties: [...keys, `kind:${kind}`, ANY_PARTY], broad };
}

type RefRows = ReadonlyArray<{ param: string; row: IndexRow }>;

/** One way a resource relates parties to its patients. */
interface RelationSource {
  reason: PatientSource;
  /** Where the party is named; absent: every party (ANY_PARTY). */
  paths?: readonly string[];
  applies?: (resource: Resource) => boolean;
}

const status = (r: Resource) => (r as { status?: string }).status;
const liveTeam = (r: Resource) => !['inactive', 'entered-in-error'].includes(status(r) ?? 'active');
const liveEpisode = (r: Resource) => status(r) !== 'entered-in-error';

/** THE sources of care relations, per resource type (the patients: the Patient itself, else `patient`). */
const SOURCES: Readonly<Record<string, readonly RelationSource[]>> = {
  Patient: [{ reason: 'general-practitioner', paths: ['generalPractitioner'] }],
  CareTeam: [
    { reason: 'care-team', paths: ['participant.member', 'participant.onBehalfOf'], applies: liveTeam },
  ],
  EpisodeOfCare: [
    { reason: 'managed-episode', paths: ['managingOrganization'], applies: liveEpisode },
    { reason: 'any-episode', applies: liveEpisode },
  ],
  Task: [
    { reason: 'owned-task', paths: ['owner'] },
    { reason: 'requested-task', paths: ['requester'] },
    { reason: 'any-task' },
  ],
};

/** The resource types whose rows the relation tables hold (for a rebuild). */
export const RELATION_TYPES = [...Object.keys(SOURCES), 'Consent'];

/** The patients a resource relates: a Patient itself, otherwise the targets of its `patient` parameter. */
function patientsOf(resource: Resource, refRows: RefRows): string[] {
  if (resource.resourceType === 'Patient') return resource.id ? [resource.id] : [];
  const ids = refRows.flatMap(({ param, row }) =>
    param === 'patient' && row.target_type === 'Patient' && typeof row.target_id === 'string'
      ? [row.target_id]
      : [],
  );
  return [...new Set(ids)];
}

/**
 * The care relation rows a resource causes, a pure function of the resource and its reference index rows (so the
 * API write path, a bulk loader and the rebuild produce the same rows). Undefined for types that cause none.
 */
export function careRelations(resource: Resource, refRows: RefRows): CareRelations | undefined {
  const sources = SOURCES[resource.resourceType];
  if (resource.resourceType === 'Consent') return { relations: [], denies: denyRows(resource, refRows) };
  if (!sources) return undefined;
  const patients = patientsOf(resource, refRows);
  const rows = new Map<string, CareRelationRow>();
  for (const source of sources) {
    if (source.applies && !source.applies(resource)) continue;
    const parties = source.paths
      ? source.paths.flatMap((path) => referencesAt(resource, path).flatMap(referenceKeys))
      : [ANY_PARTY];
    for (const patientId of patients)
      for (const party of parties)
        rows.set(JSON.stringify([patientId, party, source.reason]), {
          patientId,
          party,
          reason: source.reason,
        });
  }
  return { relations: [...rows.values()], denies: [] };
}

/** An instant as patient-objection's period check reads it (new Date); null when absent, undefined when invalid. */
function instant(value: string | undefined): string | null | undefined {
  if (value === undefined) return null;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}

/** The objection rows of an active patient-privacy Consent: one per party each typed provision names. */
function denyRows(resource: Resource, refRows: RefRows): CareDenyRow[] {
  const consent = resource as Consent;
  if (consent.status !== 'active' || !isPrivacyConsent(consent)) return [];
  const patients = patientsOf(resource, refRows);
  const rows: CareDenyRow[] = [];
  for (const provision of provisions(consent.provision)) {
    if (!provision.type) continue;
    const starts = instant(provision.period?.start);
    const ends = instant(provision.period?.end);
    // An unreadable period never matches (new Date gives NaN, and NaN compares false).
    if (starts === undefined || ends === undefined) continue;
    const named: Array<{ party: string; level: number }> = [];
    const actors = provision.actor ?? [];
    if (actors.length === 0) named.push({ party: ANY_PARTY, level: EVERYONE });
    for (const actor of actors) {
      const kinds = (actor.role?.coding ?? []).filter((c) => c.system === ORGANIZATION_KIND_SYSTEM);
      if (kinds.length > 0) named.push(...kinds.map((c) => ({ party: `kind:${c.code}`, level: KIND })));
      else named.push(...referenceKeys(actor.reference).map((party) => ({ party, level: SPECIFIC })));
    }
    for (const patientId of patients)
      for (const { party, level } of named)
        rows.push({ patientId, party, level, deny: provision.type === 'deny', starts, ends });
  }
  return rows;
}
