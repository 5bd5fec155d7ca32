import type { Bundle, Patient, Task } from '@medplum/fhirtypes';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkBusinessRules } from '../../../src/fhir/validation/business-rules';

const FIXTURES = join(__dirname, '../../../examples/fixtures');
const fixture = <T>(file: string): T => JSON.parse(readFileSync(join(FIXTURES, file), 'utf8')) as T;

const BSN = 'http://fhir.nl/fhir/NamingSystem/bsn';
const AGB = 'http://fhir.nl/fhir/NamingSystem/agb-z';
const URA = 'http://fhir.nl/fhir/NamingSystem/ura';
const UZI = 'http://fhir.nl/fhir/NamingSystem/uzi-nr-pers';
const REJECTION = 'https://meso-zorg.nl/fhir/CodeSystem/referral-rejection-reason';

describe('checkBusinessRules', () => {
  it('finds nothing wrong in a valid patient', () => {
    expect(checkBusinessRules(fixture<Patient>('Patient-meso-demo-client-1-patient.json'))).toEqual([]);
  });

  it('reports a BSN that fails the 11-proef with the FHIRPath of its value', () => {
    const patient: Patient = {
      resourceType: 'Patient',
      identifier: [
        { system: 'urn:oid:2.16.840.1.113883.2.4.6.3', value: 'anything' },
        { system: BSN, value: '123456789' },
      ],
    };
    expect(checkBusinessRules(patient)).toEqual([
      {
        severity: 'error',
        code: 'value',
        diagnostics: `BSN fails the 11-proef (${BSN}|123456789)`,
        expression: ['Patient.identifier[1].value'],
      },
    ]);
  });

  it('checks AGB, URA and UZI formats, including Reference.identifier and contained resources', () => {
    const task: Task = {
      resourceType: 'Task',
      contained: [
        { resourceType: 'Organization', id: 'o', identifier: [{ system: URA, value: '1234567' }] },
        { resourceType: 'Practitioner', id: 'p', identifier: [{ system: UZI, value: '12345' }] },
      ],
      status: 'requested',
      intent: 'order',
      requester: { identifier: { system: AGB, value: '0101234X' } },
      owner: { reference: '#o', identifier: { system: URA, value: '90000022' } },
    };
    expect(checkBusinessRules(task).map((i) => [i.expression?.[0], i.diagnostics])).toEqual([
      ['Task.contained[0].identifier[0].value', `URA must be exactly 8 digits (${URA}|1234567)`],
      ['Task.contained[1].identifier[0].value', `UZI number must be exactly 9 digits (${UZI}|12345)`],
      ['Task.requester.identifier.value', `AGB code must be exactly 8 digits (${AGB}|0101234X)`],
    ]);
  });

  it('walks the entries of a Bundle', () => {
    const bundle: Bundle = {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [{ resource: { resourceType: 'Patient', identifier: [{ system: BSN, value: '99991112' }] } }],
    };
    expect(checkBusinessRules(bundle)[0].expression).toEqual([
      'Bundle.entry[0].resource.identifier[0].value',
    ]);
  });

  describe('referral Task', () => {
    const rejected = (): Task => {
      const task = fixture<Task>('Task-meso-demo-client-1-elv-aanvraag-task.json');
      expect(task.status).toBe('rejected');
      return task;
    };

    it('accepts a rejection with a coded reason', () => {
      expect(checkBusinessRules(rejected())).toEqual([]);
    });

    it('refuses a rejection with only a free-text reason', () => {
      const task = { ...rejected(), statusReason: { text: 'Geen plek' } };
      expect(checkBusinessRules(task)).toEqual([
        expect.objectContaining({ code: 'business-rule', expression: ['Task.statusReason'] }),
      ]);
    });

    it("refuses 'overig' without an explanation", () => {
      const task = { ...rejected(), statusReason: { coding: [{ system: REJECTION, code: 'overig' }] } };
      expect(checkBusinessRules(task)[0].diagnostics).toMatch(/'overig' needs an explanation/);
    });

    it('recognises a referral Task by its code when meta.profile is absent', () => {
      const task = { ...rejected(), meta: undefined, statusReason: undefined };
      expect(checkBusinessRules(task)).toHaveLength(1);
    });

    it('leaves other Tasks alone', () => {
      const task: Task = { resourceType: 'Task', status: 'rejected', intent: 'order' };
      expect(checkBusinessRules(task)).toEqual([]);
    });
  });
});
