/** The resource types this service serves (issue 3). Anything else gets a 404 OperationOutcome. */
export const SUPPORTED_TYPES = [
  'Patient',
  'RelatedPerson',
  'Practitioner',
  'PractitionerRole',
  'Organization',
  'CareTeam',
  'EpisodeOfCare',
  'CarePlan',
  'Goal',
  'Condition',
  'ServiceRequest',
  'Task',
  'Observation',
  'Consent',
  'Provenance',
  'AuditEvent',
  'Group',
  'Subscription',
] as const;

export type SupportedType = (typeof SUPPORTED_TYPES)[number];

const supported: ReadonlySet<string> = new Set(SUPPORTED_TYPES);

export function isSupportedType(type: string): type is SupportedType {
  return supported.has(type);
}

// R4 id datatype: 1-64 of [A-Za-z0-9\-\.]
const ID_PATTERN = /^[A-Za-z0-9\-.]{1,64}$/;

export function isValidId(id: string): boolean {
  return ID_PATTERN.test(id);
}
