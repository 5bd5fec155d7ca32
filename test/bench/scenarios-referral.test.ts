import type { Bundle, Patient } from '@medplum/fhirtypes';
import { passesElfproef } from '../../bench/patients';
import { inboxPath, taskOfAnswer } from '../../bench/scenarios-referral';
import { referralBodies } from '../../bench/scenarios-write';

const bsnOf = (bundle: Bundle) => (bundle.entry?.[0]?.resource as Patient).identifier?.[0]?.value;

describe('bench referral scenarios', () => {
  it('makes the referral with and without its Task from one run of fresh test BSNs', () => {
    const bodies = referralBodies(0);
    const plain = bodies.withoutTask();
    const full = JSON.parse(bodies.next()) as Bundle;
    const noTask = JSON.parse(plain.next()) as Bundle;
    expect(full.entry?.map((e) => e.resource?.resourceType)).toEqual(['Patient', 'ServiceRequest', 'Task']);
    expect(noTask.entry?.map((e) => e.resource?.resourceType)).toEqual(['Patient', 'ServiceRequest']);
    expect(bsnOf(full)).not.toBe(bsnOf(noTask));
    expect([bsnOf(full), bsnOf(noTask)].every((b) => passesElfproef(b as string))).toBe(true);
    expect(bodies.made()).toEqual({ bundles: 2, reusedBsn: 0 });
    expect(plain.made()).toEqual({ bundles: 2, reusedBsn: 0 });
  });

  it('reads the Task id and version from a transaction answer, and builds the inbox search', () => {
    const answer = JSON.stringify({
      resourceType: 'Bundle',
      entry: [
        { response: { status: '201 Created', location: 'http://h/fhir/Patient/p1/_history/1' } },
        { response: { status: '201 Created', location: 'http://h/fhir/Task/t-9/_history/2' } },
      ],
    });
    expect(taskOfAnswer(200, answer)).toEqual({ id: 't-9', version: '2' });
    expect(taskOfAnswer(422, answer)).toBeUndefined();
    expect(inboxPath('o1')).toBe(
      '/fhir/Task?owner=Organization/o1&status=requested,received&_sort=-authored-on&_include=Task:focus&_include=Task:patient',
    );
  });
});
