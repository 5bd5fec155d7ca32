import { routeFor } from '../../../src/fhir/interactions/fhir-request';
import { FhirError } from '../../../src/kernel/outcome';

function statusOf(fn: () => unknown): number | undefined {
  try {
    fn();
  } catch (err) {
    return (err as FhirError).status;
  }
  return undefined;
}

describe('routeFor', () => {
  it.each([
    ['GET', 'metadata', { kind: 'capabilities' }],
    ['POST', '', { kind: 'batch-or-transaction' }],
    ['GET', '_history', { kind: 'history-system' }],
    ['GET', 'Patient', { kind: 'search-type', resourceType: 'Patient' }],
    ['POST', 'Patient', { kind: 'create', resourceType: 'Patient' }],
    ['PUT', 'Patient', { kind: 'conditional-update', resourceType: 'Patient' }],
    ['DELETE', 'Patient', { kind: 'conditional-delete', resourceType: 'Patient' }],
    ['POST', 'Patient/_search', { kind: 'search-type', resourceType: 'Patient' }],
    ['GET', 'Patient/_history', { kind: 'history-type', resourceType: 'Patient' }],
    ['GET', 'Patient/p1', { kind: 'read', resourceType: 'Patient', id: 'p1' }],
    ['PUT', 'Patient/p1', { kind: 'update', resourceType: 'Patient', id: 'p1' }],
    ['DELETE', 'Patient/p1', { kind: 'delete', resourceType: 'Patient', id: 'p1' }],
    ['GET', 'Patient/p1/_history', { kind: 'history-instance', resourceType: 'Patient', id: 'p1' }],
    ['GET', 'Patient/p1/_history/3', { kind: 'vread', resourceType: 'Patient', id: 'p1', versionId: '3' }],
    ['POST', 'Patient/$validate', { kind: 'operation', resourceType: 'Patient', operation: 'validate' }],
    [
      'POST',
      'Patient/p1/$validate',
      { kind: 'operation', resourceType: 'Patient', id: 'p1', operation: 'validate' },
    ],
  ])('%s %s', (method, path, expected) => {
    expect(routeFor(method, `/${path}`)).toEqual(expected);
  });

  it('answers 404 for a resource type the service does not serve', () => {
    expect(statusOf(() => routeFor('GET', '/Medication/1'))).toBe(404);
    expect(statusOf(() => routeFor('GET', '/NotAType'))).toBe(404);
  });

  it('answers 405 for a method the endpoint does not allow', () => {
    expect(statusOf(() => routeFor('PATCH', '/Patient'))).toBe(405);
    expect(routeFor('PATCH', '/Task/1')).toEqual({ kind: 'patch', resourceType: 'Task', id: '1' });
    expect(statusOf(() => routeFor('DELETE', '/metadata'))).toBe(405);
    expect(statusOf(() => routeFor('POST', '/Patient/1/_history/2'))).toBe(405);
  });
});
