import type { Coding, OperationOutcomeIssue, Reference, ServiceRequest, Task } from '@medplum/fhirtypes';
import type { Queryable } from '../../store/database';
import { resourceStore } from '../../store/resource-store';
import { parseReference } from '../../kernel/reference';
import { issue, unprocessable } from '../../kernel/outcome';
import { REFERRAL_KIND_SYSTEM, REFERRAL_REQUEST_PROFILE } from '../../domain/referral';
import type { BeforeStore } from '../repository';
import { isReferralTask } from '../validation/business-rules';
import { declaredProfiles } from '../validation/declared-profiles';
import { findMatches } from '../search/search';

/** The types a referral may be addressed to (meso-referral-task: Task.owner). */
const OWNER_TYPES = ['Organization', 'PractitionerRole'];

/**
 * What a referral Task points at must hold together (issue 11): its focus is a referral ServiceRequest of this
 * server, of the same kind and about the same patient, and its owner an organisation this server knows. Runs on
 * every create and update of a referral Task, in the transaction, so a ServiceRequest or Organization written
 * earlier in the same transaction Bundle counts (the Bundle processor writes what an entry references first).
 * On an update only what changed is checked again: a referral stays valid while its ServiceRequest moves on.
 */
export function referralIntegrityRules(): BeforeStore {
  return async ({ interaction, resource, previous, tx, pending = new Set() }) => {
    if (interaction === 'delete' || resource?.resourceType !== 'Task') return;
    const task = resource as Task;
    if (!isReferralTask(task)) return;
    const before = previous as Task | undefined;
    const changed = (name: 'focus' | 'code' | 'for' | 'owner') =>
      !before || JSON.stringify(before[name]) !== JSON.stringify(task[name]);
    const issues: OperationOutcomeIssue[] = [];
    const at = { tx, pending };
    if (changed('focus') || changed('code') || changed('for'))
      issues.push(...(await requestProblems(at, task)));
    if (changed('owner') && task.owner) issues.push(...(await ownerProblems(at, task.owner)));
    if (issues.length) throw unprocessable(issues);
  };
}

/** `Type/id` of a reference to this server (relative, or absolute: ids are UUIDs), or undefined. */
function targetOf(reference: string | undefined): { resourceType: string; id: string } | undefined {
  if (typeof reference !== 'string') return undefined;
  const parsed = parseReference(reference);
  if (parsed.kind !== 'relative' && parsed.kind !== 'absolute') return undefined;
  return { resourceType: parsed.resourceType, id: parsed.id };
}

const kindsOf = (codings: Coding[] | undefined): string[] =>
  (codings ?? []).filter((c) => c.system === REFERRAL_KIND_SYSTEM && c.code).map((c) => c.code as string);

/**
 * Where the rule reads: the write's transaction, and what its Bundle writes. A resource of the Bundle that is not
 * stored when the Task is was refused (its entry's own error is reported) or comes by a later PUT: not checked.
 */
interface Scope {
  tx: Queryable;
  pending: ReadonlySet<string>;
}

async function requestProblems(at: Scope, task: Task): Promise<OperationOutcomeIssue[]> {
  const found = await focusedRequest(at, task.focus);
  if (found === undefined) return [];
  if (typeof found === 'string') return [issue('business-rule', found, 'Task.focus')];
  const { request, key } = found;
  const issues: OperationOutcomeIssue[] = [];
  const asked = kindsOf(request.code?.coding);
  const kinds = kindsOf(task.code?.coding);
  if (!kinds.some((k) => asked.includes(k)))
    issues.push(
      issue(
        'business-rule',
        `Task.code (${kinds.join(', ') || 'no referral kind'}) must be the referral kind of its ${key} ` +
          `(${asked.join(', ')}); send Task.code ${REFERRAL_KIND_SYSTEM}|${asked[0]}`,
        'Task.code',
      ),
    );
  const patient = targetOf(task.for?.reference);
  const subject = targetOf(request.subject?.reference);
  if (!patient || !subject || patient.resourceType !== subject.resourceType || patient.id !== subject.id)
    issues.push(
      issue(
        'business-rule',
        `Task.for (${task.for?.reference ?? 'none'}) must be the subject of its ${key} ` +
          `(${request.subject?.reference ?? 'none'}): a referral is about the patient it asks care for`,
        'Task.for',
      ),
    );
  return issues;
}

/** The referral ServiceRequest Task.focus names, or why it names none; undefined when it is not stored yet. */
async function focusedRequest(
  { tx, pending }: Scope,
  focus: Reference | undefined,
): Promise<{ request: ServiceRequest; key: string } | string | undefined> {
  const fix =
    'Task.focus must reference the referral ServiceRequest (meso-referral-servicerequest) on this server as ' +
    'ServiceRequest/<id>, or by its urn:uuid fullUrl in the same transaction Bundle';
  const target = targetOf(focus?.reference);
  if (!target) return `${fix}; found ${focus?.reference ? `"${focus.reference}"` : 'no reference'}`;
  const key = `${target.resourceType}/${target.id}`;
  if (target.resourceType !== 'ServiceRequest') return `${fix}; found ${key}, a ${target.resourceType}`;
  const current = await resourceStore.current(tx, 'ServiceRequest', target.id);
  if ((!current || current.deleted) && pending.has(key)) return undefined;
  if (!current || current.deleted || !current.resource)
    return `${fix}; ${key} does not exist on this server (or was deleted). Create it first, or in the same Bundle`;
  const request = current.resource as ServiceRequest;
  if (!declaredProfiles(request).includes(REFERRAL_REQUEST_PROFILE) && !kindsOf(request.code?.coding).length)
    return (
      `${fix}; ${key} is not a referral: it declares no profile ${REFERRAL_REQUEST_PROFILE} and has no ` +
      `code from ${REFERRAL_KIND_SYSTEM}`
    );
  return { request, key };
}

/** The owner: an Organization or PractitionerRole of this server, or an organisation known by its identifier. */
async function ownerProblems(at: Scope, owner: Reference): Promise<OperationOutcomeIssue[]> {
  if (owner.reference) {
    const problem = await literalOwnerProblem(at, owner.reference);
    return problem ? [issue('business-rule', problem, 'Task.owner')] : [];
  }
  const { system, value } = owner.identifier ?? {};
  if (!value) return [];
  const type = owner.type === 'PractitionerRole' ? 'PractitionerRole' : 'Organization';
  const token = system ? `${system}|${value}` : value;
  if ((await findMatches(at.tx, type, [['identifier', token]], 1)).length) return [];
  return [
    issue(
      'not-found',
      `Task.owner.identifier ${token} names no organisation in this server's directory (no ${type} carries ` +
        `that identifier). Address the referral to a known organisation: find it with ${type}?identifier=` +
        `<system>|<value> and send its URA (or AGB), or reference it as ${type}/<id>`,
      'Task.owner.identifier',
    ),
  ];
}

async function literalOwnerProblem({ tx, pending }: Scope, reference: string): Promise<string | undefined> {
  const fix =
    'address the referral to an Organization or PractitionerRole of this server, or by URA/AGB identifier only';
  const target = targetOf(reference);
  if (!target || !OWNER_TYPES.includes(target.resourceType))
    return `Task.owner "${reference}" is not an Organization or PractitionerRole of this server; ${fix}`;
  const current = await resourceStore.current(tx, target.resourceType, target.id);
  if ((current && !current.deleted) || pending.has(`${target.resourceType}/${target.id}`)) return undefined;
  return `Task.owner "${reference}" names no organisation in this server's directory (it does not exist or was deleted); ${fix}`;
}
