import type { Task } from '@medplum/fhirtypes';
import { applyJsonPatch, parsePatchDocument } from '../../../src/fhir/interactions/json-patch';
import { FhirError } from '../../../src/kernel/outcome';

const task: Task = {
  resourceType: 'Task',
  id: 't1',
  status: 'received',
  intent: 'order',
  note: [{ text: 'a' }],
};

function failure(fn: () => unknown): FhirError {
  try {
    fn();
  } catch (err) {
    if (err instanceof FhirError) return err;
    throw err;
  }
  throw new Error('expected a FhirError');
}

describe('JSON Patch (RFC 6902, fast-json-patch)', () => {
  it('applies the operations in order to a copy', () => {
    const ops = parsePatchDocument(
      [
        { op: 'test', path: '/status', value: 'received' },
        { op: 'replace', path: '/status', value: 'accepted' },
        { op: 'add', path: '/note/-', value: { text: 'b' } },
      ],
      'Task',
    );
    const patched = applyJsonPatch(task, ops) as Task;
    expect(patched.status).toBe('accepted');
    expect(patched.note).toEqual([{ text: 'a' }, { text: 'b' }]);
    expect(task.status).toBe('received');
  });

  it('refuses a document that is no JSON Patch (400), naming the operation', () => {
    expect(failure(() => parsePatchDocument({ op: 'replace' }, 'Task')).status).toBe(400);
    const get = failure(() => parsePatchDocument([{ op: 'get', path: '/status' }], 'Task'));
    expect(get.status).toBe(400);
    expect(get.issues[0].diagnostics).toMatch(/operation 0 has op "get"/);
    const noValue = failure(() =>
      parsePatchDocument(
        [
          { op: 'test', path: '/status' },
          { op: 'add', path: '/x' },
        ],
        'Task',
      ),
    );
    expect(noValue.status).toBe(400);
    expect(noValue.issues[0].diagnostics).toMatch(/operation 0/);
  });

  it('refuses a patch that does not fit the resource (422), naming the operation and the element', () => {
    const ops = parsePatchDocument(
      [
        { op: 'replace', path: '/status', value: 'accepted' },
        { op: 'replace', path: '/note/3/text', value: 'x' },
      ],
      'Task',
    );
    const err = failure(() => applyJsonPatch(task, ops));
    expect(err.status).toBe(422);
    expect(err.issues[0]).toMatchObject({ expression: ['Task.note[3].text'] });
    expect(err.issues[0].diagnostics).toMatch(/operation 1/);
    const failedTest = failure(() =>
      applyJsonPatch(task, [{ op: 'test', path: '/status', value: 'requested' }]),
    );
    expect(failedTest.status).toBe(422);
  });

  it('cannot change the resource type or id', () => {
    const err = failure(() => applyJsonPatch(task, [{ op: 'replace', path: '/id', value: 't2' }]));
    expect(err.status).toBe(422);
    expect(err.issues[0].expression).toEqual(['Task.id']);
  });
});
