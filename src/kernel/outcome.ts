import type { OperationOutcome, OperationOutcomeIssue } from '@medplum/fhirtypes';

type IssueCode = OperationOutcomeIssue['code'];

/**
 * An error that becomes an OperationOutcome with its HTTP status. Every layer throws these for client
 * mistakes; anything else reaching the REST layer is a server fault (500, without internals).
 */
export class FhirError extends Error {
  constructor(
    readonly status: number,
    readonly issues: OperationOutcomeIssue[],
    readonly headers: Record<string, string> = {},
  ) {
    super(issues.map((i) => i.diagnostics).join('; '));
  }

  toOperationOutcome(): OperationOutcome {
    return operationOutcome(this.issues);
  }
}

export function issue(
  code: IssueCode,
  diagnostics: string,
  expression?: string | string[],
  severity: OperationOutcomeIssue['severity'] = 'error',
): OperationOutcomeIssue {
  const result: OperationOutcomeIssue = { severity, code, diagnostics };
  // An expression is FHIRPath; an empty one (echoing an empty parameter name) is none, and XML cannot hold it.
  const expressions = (Array.isArray(expression) ? expression : [expression ?? '']).filter((e) => e !== '');
  if (expressions.length) result.expression = expressions;
  return result;
}

export function operationOutcome(issues: OperationOutcomeIssue[]): OperationOutcome {
  return {
    resourceType: 'OperationOutcome',
    issue: issues.length ? issues : [issue('informational', 'All OK', undefined, 'information')],
  };
}

export const badRequest = (msg: string, expression?: string | string[], code: IssueCode = 'invalid') =>
  new FhirError(400, [issue(code, msg, expression)]);
export const notFound = (msg: string) => new FhirError(404, [issue('not-found', msg)]);
export const gone = (msg: string) => new FhirError(410, [issue('deleted', msg)]);
export const conflict = (msg: string, expression?: string) =>
  new FhirError(409, [issue('conflict', msg, expression)]);
export const preconditionFailed = (msg: string, expression?: string) =>
  new FhirError(412, [issue('conflict', msg, expression)]);
export const unprocessable = (issues: OperationOutcomeIssue[]) => new FhirError(422, issues);
export const notSupported = (msg: string, status = 400) =>
  new FhirError(status, [issue('not-supported', msg)]);
