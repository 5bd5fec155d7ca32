import type { Bundle, OperationOutcomeIssue, Resource } from '@medplum/fhirtypes';
import type { TypedValue } from '@medplum/core';
import { issue } from '../../kernel/outcome';
import type { ElementNode } from './element-tree';

/** One value in the instance: `value` is the JSON value, `ext` the `_name` sibling of a primitive. */
export interface InstanceNode {
  value: unknown;
  ext?: Record<string, unknown>;
  /** FHIRPath with real indices, e.g. `Patient.identifier[0].system`. */
  path: string;
  /** FHIR type code (`string`, `CodeableConcept`, `Patient` …). */
  type: string;
}

/** State of one top-level validate() call. */
export interface ValidationContext {
  /** The resource that FHIRPath `%resource` means for the node being validated. */
  resource: Resource;
  resourceTyped: TypedValue;
  /** The outermost resource (`%rootResource`, contained look-ups). */
  rootResource: Resource;
  bundle?: Bundle;
  resolveReference?: (ref: string) => Resource | undefined;
  issues: OperationOutcomeIssue[];
  /** Profile-conformance results per resource object and profile URL (slicing and target checks reuse them). */
  conformance: WeakMap<object, Map<string, boolean>>;
  /** Resources being validated against a profile further up the stack, to stop reference cycles. */
  active: Set<string>;
}

export const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

export const PRIMITIVES = new Set([
  'boolean', 'integer', 'string', 'decimal', 'uri', 'url', 'canonical', 'base64Binary', 'instant', 'date',
  'dateTime', 'time', 'code', 'oid', 'id', 'markdown', 'unsignedInt', 'positiveInt', 'uuid', 'xhtml',
]); // prettier-ignore

export const isPrimitive = (type: string) => PRIMITIVES.has(type);

/** Adds an issue that names the profile and element it comes from. */
export function report(
  ctx: ValidationContext,
  el: ElementNode | undefined,
  code: OperationOutcomeIssue['code'],
  message: string,
  path: string,
  severity: OperationOutcomeIssue['severity'] = 'error',
): void {
  const where = el ? ` (profile ${el.profile}, element ${el.def.id ?? el.def.path})` : '';
  ctx.issues.push(issue(code, `${message}${where}`, path, severity));
}
