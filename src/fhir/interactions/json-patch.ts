import type { Resource } from '@medplum/fhirtypes';
import { applyOperation, deepClone, JsonPatchError, validate, type Operation } from 'fast-json-patch';
import { badRequest, issue, unprocessable, type FhirError } from '../../kernel/outcome';

/** RFC 6902 operations; fast-json-patch also knows a non-standard `get`, which a client must not rely on. */
const RFC_6902_OPS = new Set(['add', 'remove', 'replace', 'move', 'copy', 'test']);

/** A document that cannot be a JSON Patch is 400; one that does not fit this resource is 422. */
const UNFIT = new Set([
  'TEST_OPERATION_FAILED',
  'OPERATION_PATH_UNRESOLVABLE',
  'OPERATION_FROM_UNRESOLVABLE',
  'OPERATION_PATH_CANNOT_ADD',
  'OPERATION_PATH_ILLEGAL_ARRAY_INDEX',
  'OPERATION_VALUE_OUT_OF_BOUNDS',
]);

/** The operations of a JSON Patch body (RFC 6902), checked for form only; throws 400 naming the operation. */
export function parsePatchDocument(value: unknown, resourceType: string): Operation[] {
  if (!Array.isArray(value))
    throw badRequest(
      'A JSON Patch document is an array of operations, e.g. [{"op":"replace","path":"/status","value":"accepted"}]',
    );
  value.forEach((op: unknown, index) => {
    const name = (op as { op?: unknown } | null)?.op;
    if (typeof name !== 'string' || !RFC_6902_OPS.has(name))
      throw badRequest(
        `JSON Patch operation ${index} has op ${JSON.stringify(name)}; use one of ${[...RFC_6902_OPS].join(', ')}`,
        resourceType,
      );
  });
  const problem = validate(value as Operation[]);
  if (problem) throw patchError(problem, resourceType);
  return value as Operation[];
}

/** The resource with the patch applied (the input is not changed); the type and id cannot be patched. */
export function applyJsonPatch(resource: Resource, operations: readonly Operation[]): Resource {
  let patched = deepClone(resource) as Resource;
  // One operation at a time: the library's path check reports index 0 for every operation.
  operations.forEach((operation, index) => {
    try {
      patched = applyOperation(patched, operation, true, true, true, index).newDocument;
    } catch (err) {
      if (err instanceof JsonPatchError)
        throw patchError(Object.assign(err, { index }), resource.resourceType);
      throw err;
    }
  });
  for (const element of ['resourceType', 'id'] as const)
    if (patched?.[element] !== resource[element])
      throw unprocessable([
        issue(
          'invalid',
          `A JSON Patch cannot change ${element} of ${resource.resourceType}/${resource.id}`,
          `${resource.resourceType}.${element}`,
        ),
      ]);
  return patched;
}

/** The element a JSON Pointer names, as FHIRPath: /note/0/text → Task.note[0].text. */
function elementAt(resourceType: string, pointer: string): string {
  const steps = pointer
    .split('/')
    .slice(1)
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
  return steps.reduce(
    (path, step) => (/^\d+$/.test(step) ? `${path}[${step}]` : `${path}.${step}`),
    resourceType,
  );
}

function patchError(err: JsonPatchError, resourceType: string): FhirError {
  const at = err.index === undefined ? '' : `operation ${err.index} `;
  const path = (err.operation as { path?: unknown } | undefined)?.path;
  const where = typeof path === 'string' ? ` (path ${path})` : '';
  // The library's messages span lines and repeat the operation: its first line is the reason.
  const reason = err.message.split('\n')[0];
  const message = `JSON Patch ${at}failed${where}: ${reason}`;
  const expression = typeof path === 'string' ? elementAt(resourceType, path) : resourceType;
  if (UNFIT.has(err.name)) return unprocessable([issue('processing', message, expression)]);
  return badRequest(message, expression);
}
