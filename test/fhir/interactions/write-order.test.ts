import { processingOrder } from '../../../src/fhir/interactions/write-order';
import type { FhirRequest } from '../../../src/fhir/interactions/fhir-request';

const entry = (index: number, method: string, type: string, id: string, body: unknown = {}) => ({
  index,
  request: {
    kind: method === 'POST' ? 'create' : method === 'GET' ? 'read' : 'update',
    method,
    resourceType: type,
    ...(method === 'POST' ? { assignedId: id } : { id }),
    query: [],
    body,
    lenient: false,
  } as unknown as FhirRequest,
});

const indexes = (entries: Array<{ index: number }>) => entries.map((e) => e.index);

describe('processingOrder', () => {
  it('keeps R4 method order, and Bundle order when nothing points forward', () => {
    const entries = [
      entry(0, 'GET', 'Patient', 'p'),
      entry(1, 'PUT', 'Patient', 'q'),
      entry(2, 'POST', 'Patient', 'a'),
      entry(3, 'POST', 'ServiceRequest', 'b', { subject: { reference: 'Patient/a' } }),
    ];
    expect(indexes(processingOrder(entries))).toEqual([2, 3, 1, 0]);
  });

  it('writes what an entry references before it, within one method', () => {
    const entries = [
      entry(0, 'POST', 'Task', 't', {
        focus: { reference: 'ServiceRequest/s' },
        for: { reference: 'Patient/p' },
      }),
      entry(1, 'POST', 'ServiceRequest', 's', { subject: { reference: 'Patient/p' } }),
      entry(2, 'POST', 'Patient', 'p'),
      entry(3, 'PUT', 'Organization', 'o'),
      entry(4, 'POST', 'Goal', 'g', { extension: [{ valueReference: { reference: 'Organization/o' } }] }),
    ];
    // The Goal's Organization is a PUT: R4's method order wins over the reference.
    expect(indexes(processingOrder(entries))).toEqual([2, 1, 0, 4, 3]);
  });

  it('breaks a reference cycle at its first entry, writing each entry once', () => {
    const entries = [
      entry(0, 'POST', 'CarePlan', 'c', { goal: [{ reference: 'Goal/g' }] }),
      entry(1, 'POST', 'Goal', 'g', { extension: [{ valueReference: { reference: 'CarePlan/c' } }] }),
    ];
    expect(indexes(processingOrder(entries))).toEqual([1, 0]);
  });
});
