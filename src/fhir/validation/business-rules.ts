import type { Coding, OperationOutcomeIssue, Resource, Task } from '@medplum/fhirtypes';
import { issue } from '../../kernel/outcome';
import { agbProblem } from '../../domain/agb';
import { bsnProblem } from '../../domain/bsn';
import { IdentifierSystem } from '../../domain/identifier-systems';
import {
  REFERRAL_KIND_SYSTEM,
  REFERRAL_TASK_PROFILE,
  REJECTION_REASON_SYSTEM,
  rejectionProblem,
} from '../../domain/referral';
import { uraProblem } from '../../domain/ura';
import { uziPersonProblem } from '../../domain/uzi';
import { declaredProfiles } from './declared-profiles';

/** Format rules per identifier system. Profiles only pattern the system, so they accept any value. */
const IDENTIFIER_RULES: Readonly<Record<string, (value: string) => string | undefined>> = {
  [IdentifierSystem.bsn]: bsnProblem,
  [IdentifierSystem.agb]: agbProblem,
  [IdentifierSystem.ura]: uraProblem,
  [IdentifierSystem.uziPerson]: uziPersonProblem,
};

// Identifier-typed elements: identifier, Reference.identifier, masterIdentifier, groupIdentifier, valueIdentifier, …
const IDENTIFIER_KEY = /^[a-z]*identifier$/i;

/**
 * Dutch business rules a profile validator cannot express: identifier formats (BSN 11-proef, AGB, URA, UZI)
 * anywhere in the resource, including contained resources, Bundle entries and Reference.identifier, and
 * the coded reason of a rejected referral Task. Each issue carries the FHIRPath of the offending element.
 */
export function checkBusinessRules(resource: Resource): OperationOutcomeIssue[] {
  const issues: OperationOutcomeIssue[] = [];
  walk(resource, resource.resourceType, undefined, issues);
  return issues;
}

function walk(node: unknown, path: string, key: string | undefined, issues: OperationOutcomeIssue[]): void {
  if (Array.isArray(node)) {
    node.forEach((item, i) => walk(item, `${path}[${i}]`, key, issues));
    return;
  }
  if (!isObject(node)) return;
  if (key !== undefined && IDENTIFIER_KEY.test(key)) checkIdentifier(node, path, issues);
  if (node.resourceType === 'Task') checkReferralTask(node as unknown as Task, path, issues);
  for (const [childKey, child] of Object.entries(node)) {
    // `_x` holds a primitive's id/extensions; no identifier values live there.
    if (childKey.startsWith('_')) continue;
    walk(child, `${path}.${childKey}`, childKey, issues);
  }
}

function checkIdentifier(
  identifier: Record<string, unknown>,
  path: string,
  issues: OperationOutcomeIssue[],
): void {
  const { system, value } = identifier;
  if (typeof system !== 'string' || typeof value !== 'string') return;
  const problem = IDENTIFIER_RULES[system]?.(value);
  if (problem) issues.push(issue('value', `${problem} (${system}|${value})`, `${path}.value`));
}

function checkReferralTask(task: Task, path: string, issues: OperationOutcomeIssue[]): void {
  if (!isReferralTask(task)) return;
  const reason = task.statusReason;
  const problem = rejectionProblem({
    status: task.status,
    rejectionReasonCodes: codesFrom(reason?.coding, REJECTION_REASON_SYSTEM),
    reasonText: typeof reason?.text === 'string' ? reason.text : undefined,
  });
  if (problem) issues.push(issue('business-rule', problem, `${path}.statusReason`));
}

export function isReferralTask(task: Task): boolean {
  return (
    declaredProfiles(task).includes(REFERRAL_TASK_PROFILE) ||
    codesFrom(task.code?.coding, REFERRAL_KIND_SYSTEM).length > 0
  );
}

/** Runs beside the profile validator, so on malformed input too: anything not a Coding is skipped. */
function codesFrom(codings: Coding[] | undefined, system: string): string[] {
  if (!Array.isArray(codings)) return [];
  return codings
    .filter((c) => isObject(c) && c.system === system && typeof c.code === 'string' && c.code)
    .map((c) => c.code as string);
}

function isObject(node: unknown): node is Record<string, unknown> {
  return typeof node === 'object' && node !== null;
}
