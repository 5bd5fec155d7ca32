import { localKey, localTarget, parseReference } from '../../src/kernel/reference';

describe('parseReference', () => {
  it.each([
    ['Patient/p1', { kind: 'relative', resourceType: 'Patient', id: 'p1' }],
    ['Patient/p1/_history/3', { kind: 'relative', resourceType: 'Patient', id: 'p1', versionId: '3' }],
    [
      'https://fhir.example.nl/fhir/Patient/p1',
      { kind: 'absolute', base: 'https://fhir.example.nl/fhir', resourceType: 'Patient', id: 'p1' },
    ],
    ['#c1', { kind: 'contained', id: 'c1' }],
    [
      'urn:uuid:0b9f5a2e-1b6c-4c52-9d6c-0f2c9e1d5a10',
      { kind: 'urn', urn: 'urn:uuid:0b9f5a2e-1b6c-4c52-9d6c-0f2c9e1d5a10' },
    ],
    [
      'Patient?identifier=http://fhir.nl/fhir/NamingSystem/bsn|999911120',
      {
        kind: 'conditional',
        resourceType: 'Patient',
        criteria: 'identifier=http://fhir.nl/fhir/NamingSystem/bsn|999911120',
      },
    ],
    [
      'http://nictiz.nl/fhir/StructureDefinition/nl-core-Patient|1.0',
      { kind: 'other', url: 'http://nictiz.nl/fhir/StructureDefinition/nl-core-Patient' },
    ],
    ['patient/p1', { kind: 'other', url: 'patient/p1' }],
    ['Patient/' + 'x'.repeat(65), { kind: 'other', url: 'Patient/' + 'x'.repeat(65) }],
    ['Patient/p 1', { kind: 'other', url: 'Patient/p 1' }],
  ])('%s', (input, expected) => {
    expect(parseReference(input)).toEqual(expected);
  });
});

describe('localTarget', () => {
  it('takes relative references, versioned or not', () => {
    expect(localTarget('Patient/p1/_history/2')).toEqual({
      resourceType: 'Patient',
      id: 'p1',
      versionId: '2',
    });
    expect(localKey('Patient/p1/_history/2')).toBe('Patient/p1');
  });
  it('takes absolute references only on a local base', () => {
    expect(localTarget('https://other.example/fhir/Patient/p1')).toBeUndefined();
    expect(
      localTarget('https://fhir.example.nl/fhir/Patient/p1', ['https://fhir.example.nl/fhir']),
    ).toMatchObject({
      id: 'p1',
    });
  });
  it('ignores non-strings and non-literal references', () => {
    expect(localTarget(undefined)).toBeUndefined();
    expect(localTarget(5 as unknown as string)).toBeUndefined();
    expect(localTarget('#c1')).toBeUndefined();
    expect(localTarget('urn:uuid:1')).toBeUndefined();
  });
});
