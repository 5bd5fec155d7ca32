/**
 * THE release policy for callers that may only see pseudonymised data (issue 8 §8): data only, no logic. The
 * walker in release-filter.ts applies it; README "Pseudonymised output" shows the same table in prose.
 */
import { IdentifierSystem } from '../../domain/identifier-systems';
import { FORMAT_PARAMS, RESULT_PARAMS } from '../search/result-params';

export const BSN_SYSTEM = IdentifierSystem.bsn;

/** Persons whose ids are replaced and whose resources are reduced to a whitelist. */
export const PERSON_TYPES: ReadonlySet<string> = new Set(['Patient', 'RelatedPerson']);

/** Professionals act in a professional role: ids and names stay, so the platform can group by them. */
export const PROFESSIONAL_TYPES: ReadonlySet<string> = new Set([
  'Practitioner',
  'PractitionerRole',
  'Organization',
]);

/** Server-generated resources without patient data. */
export const PASSTHROUGH_TYPES: ReadonlySet<string> = new Set(['CapabilityStatement']);

export const PSEUDONYM_SYSTEM = {
  bsn: 'https://meso-zorg.nl/fhir/NamingSystem/pseudonym-bsn',
  /** Any other person identifier; its original system is part of the HMAC input. */
  other: 'https://meso-zorg.nl/fhir/NamingSystem/pseudonym-identifier',
} as const;

/** Security label on every released resource (R4 security-labels.html: PSEUDED, pseudonymized). */
export const PSEUDONYMISED_LABEL = {
  system: 'http://terminology.hl7.org/CodeSystem/v3-ObservationValue',
  code: 'PSEUDED',
  display: 'pseudonymized',
};

/**
 * Elements of a person resource that are released, and how; everything else (name, telecom, photo, contact,
 * text, extensions, maritalStatus, multipleBirth, …) is left out.
 */
export type PersonRule = 'keep' | 'identifiers' | 'year' | 'addresses' | 'codes' | 'communication' | 'links';
export const PERSON_ELEMENTS: Readonly<Record<string, Readonly<Record<string, PersonRule>>>> = {
  Patient: {
    active: 'keep',
    gender: 'keep',
    deceasedBoolean: 'keep',
    identifier: 'identifiers',
    birthDate: 'year',
    deceasedDateTime: 'year',
    address: 'addresses',
    communication: 'communication',
    generalPractitioner: 'keep', // professionals
    managingOrganization: 'keep',
    link: 'links',
  },
  RelatedPerson: {
    active: 'keep',
    gender: 'keep',
    patient: 'keep', // a reference: the walker pseudonymises it
    period: 'keep',
    identifier: 'identifiers',
    birthDate: 'year',
    address: 'addresses',
    relationship: 'codes',
    communication: 'communication',
  },
};

/** Address parts released: the municipality and region, never street, house number or full postcode. */
export const ADDRESS_PARTS = ['use', 'type', 'city', 'district', 'state', 'country'] as const;

/** meta elements released (meta.source may name the sending system's own record). */
export const META_PARTS = ['versionId', 'lastUpdated', 'profile', 'security', 'tag'] as const;

/**
 * Free text and person data removed from every other (clinical) resource, at any depth: narrative,
 * CodeableConcept.text, Annotation notes, descriptions, titles and names that can name the patient, and
 * extension values that carry a person's name, address, contact details, a document or a string.
 */
export const CLINICAL_REMOVED_KEYS: ReadonlySet<string> = new Set([
  'text',
  'note',
  'description',
  'comment',
  'title',
  'name',
  'patientInstruction',
  'authorString',
  'photo',
  'presentedForm',
  'sourceAttachment',
  'signature',
  'valueString',
  'valueMarkdown',
  'valueHumanName',
  'valueAddress',
  'valueContactPoint',
  'valueAttachment',
  'contact',
  'telecom',
  'address',
]);

/**
 * Search parameters a pseudonymised caller may use on a person type (directly or in a chain). Anything that
 * searches on removed data would be an oracle for it: `Patient?name=Jansen` answering with one pseudonym
 * re-identifies it. birthdate is allowed at year precision only; address-postalcode with 4 digits only.
 */
export const PERSON_SEARCH_PARAMS: ReadonlySet<string> = new Set([
  '_id',
  '_lastUpdated',
  '_profile',
  '_tag',
  '_security',
  'active',
  'gender',
  'general-practitioner',
  'organization',
  'patient',
  'relationship',
  'link',
  'deceased',
  'address-city',
  'address-country',
  'address-state',
  'address-postalcode',
  'birthdate',
]);

/** Query parameters that select, page or shape results and carry no data values. */
export const CONTROL_PARAMS: ReadonlySet<string> = new Set([
  ...RESULT_PARAMS,
  ...FORMAT_PARAMS,
  '_cursor',
  '_since',
  '_at',
  '_type',
]);
