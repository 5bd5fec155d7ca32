import type { Resource } from '@medplum/fhirtypes';
import { indexResource } from '../../../src/fhir/search/indexer';
import { patientCompartment, patientsAbout } from '../../../src/fhir/search/compartment';

const r = (resource: object) => resource as Resource;

describe('the patient compartment of a resource in memory', () => {
  it.each([
    [
      'a versioned subject',
      r({ resourceType: 'CarePlan', id: 'cp', subject: { reference: 'Patient/p1/_history/3' } }),
      ['p1'],
    ],
    [
      'Provenance.target Patients only',
      r({
        resourceType: 'Provenance',
        id: 'pv',
        target: [{ reference: 'Patient/p2' }, { reference: 'Condition/c' }],
      }),
      ['p2'],
    ],
    [
      'a Patient and its links',
      r({ resourceType: 'Patient', id: 'p9', link: [{ other: { reference: 'Patient/p8' } }] }),
      ['p8', 'p9'],
    ],
    [
      'not an absolute URL to another server',
      r({
        resourceType: 'Condition',
        id: 'c',
        subject: { reference: 'https://elders.example/fhir/Patient/p1' },
      }),
      [],
    ],
    [
      'no Task (not in the R4 compartment)',
      r({ resourceType: 'Task', id: 't', for: { reference: 'Patient/p4' } }),
      [],
    ],
  ])('%s', (_what, resource, expected) => {
    expect(patientCompartment(resource).sort()).toEqual(expected);
    // One truth: exactly the rows the indexer stores in resource_compartment.
    expect([...indexResource(resource).patientIds].sort()).toEqual(expected);
  });

  it('a referral Task is about its patient through its patient reference', () => {
    expect(patientsAbout(r({ resourceType: 'Task', id: 't', for: { reference: 'Patient/p4' } }))).toEqual([
      'p4',
    ]);
  });
});
