import { ID_PATTERN_SOURCE } from './reference';

/**
 * THE list of resource types this service serves (issue 3); anything else gets a 404 OperationOutcome. Each type
 * says what it is to the access policy, so that no second list of types exists:
 * - clinical: patient data, seen by the parties with a care relation to the patient;
 * - directory: the care-provider directory, readable by every authenticated client;
 * - service: data of the service itself (AuditEvent, Group, Subscription), with rules of their own.
 */
const TYPES = {
  Patient: 'clinical',
  RelatedPerson: 'clinical',
  Organization: 'directory',
  Practitioner: 'directory',
  PractitionerRole: 'directory',
  CareTeam: 'clinical',
  EpisodeOfCare: 'clinical',
  // An eerstelijnsverblijf stay of a MESO client (src/fhir/meso/sections/elv.ts).
  Encounter: 'clinical',
  CarePlan: 'clinical',
  Goal: 'clinical',
  Condition: 'clinical',
  ServiceRequest: 'clinical',
  Task: 'clinical',
  Observation: 'clinical',
  Consent: 'clinical',
  Provenance: 'clinical',
  AuditEvent: 'service',
  Group: 'service',
  Subscription: 'service',
} as const satisfies Record<string, 'clinical' | 'directory' | 'service'>;

export type SupportedType = keyof typeof TYPES;

export const SUPPORTED_TYPES = Object.keys(TYPES) as readonly SupportedType[];

const ofKind = (kind: (typeof TYPES)[SupportedType]) =>
  SUPPORTED_TYPES.filter((type) => TYPES[type] === kind);

/** Patient data: what a party sees for the patients it has a care relationship with. */
export const CLINICAL_TYPES: readonly SupportedType[] = ofKind('clinical');

/** Readable by every authenticated client: the care-provider directory. */
export const DIRECTORY_TYPES: readonly SupportedType[] = ofKind('directory');

const supported: ReadonlySet<string> = new Set(SUPPORTED_TYPES);

export function isSupportedType(type: string): type is SupportedType {
  return supported.has(type);
}

// R4 id datatype, as the reference parser reads it.
const ID_PATTERN = new RegExp(`^${ID_PATTERN_SOURCE}$`);

export function isValidId(id: string): boolean {
  return ID_PATTERN.test(id);
}
