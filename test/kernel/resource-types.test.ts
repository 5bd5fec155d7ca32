import {
  CLINICAL_TYPES,
  DIRECTORY_TYPES,
  SUPPORTED_TYPES,
  isSupportedType,
} from '../../src/kernel/resource-types';

describe('the one list of resource types (issue 9)', () => {
  it('gives the access policy its clinical and directory types, so no second list exists', () => {
    expect([...CLINICAL_TYPES].sort()).toEqual(
      [
        'Patient',
        'RelatedPerson',
        'CareTeam',
        'EpisodeOfCare',
        'Encounter',
        'CarePlan',
        'Goal',
        'Condition',
        'ServiceRequest',
        'Task',
        'Observation',
        'Consent',
        'Provenance',
      ].sort(),
    );
    expect([...DIRECTORY_TYPES].sort()).toEqual(['Organization', 'Practitioner', 'PractitionerRole']);
    const rest = SUPPORTED_TYPES.filter((t) => !CLINICAL_TYPES.includes(t) && !DIRECTORY_TYPES.includes(t));
    expect(rest).toEqual(['AuditEvent', 'Group', 'Subscription']);
  });

  it('serves only the listed types', () => {
    expect(SUPPORTED_TYPES).toHaveLength(19);
    expect(isSupportedType('Patient')).toBe(true);
    expect(isSupportedType('Medication')).toBe(false);
    expect(isSupportedType('toString')).toBe(false);
  });
});
