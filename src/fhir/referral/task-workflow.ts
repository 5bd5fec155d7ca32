import type { Reference, Resource, Task } from '@medplum/fhirtypes';
import type { Queryable } from '../../store/database';
import type { Caller } from '../../kernel/caller';
import { FhirError, issue, unprocessable } from '../../kernel/outcome';
import {
  acceptanceProblem,
  OWNER_MUTABLE,
  startProblem,
  REQUESTER_MUTABLE,
  transitionParty,
  transitionProblem,
} from '../../domain/referral';
import type { BeforeStore, BeforeStoreChange } from '../repository';
import { isReferralTask } from '../validation/business-rules';
import { referenceNames, referencesAt, type Party } from '../access/patient-compartment';
import { referralKind, referralOutputs } from './referral-task';

/** How the access policy names the caller's organisation (its Organization, PractitionerRoles, URA, AGB). */
export type PartyOf = (q: Queryable, caller: Caller) => Promise<Party>;

/** Kept by the server, or only the record of the change: never a change of the referral itself. */
const SERVER_KEPT = new Set(['id', 'meta', 'text', 'lastModified']);

/**
 * The referral Task workflow (issue 11) on a client's update (PUT, PATCH, a transaction entry): If-Match is
 * required, the status follows the state machine of src/domain/referral.ts, the owner moves it along and the
 * requester may only cancel, and neither changes what was asked; an accepted ELV request names the offered place. Runs in the transaction, after the version check
 * under the row lock, so of two racing updates from the same version only one gets here.
 */
export function referralTaskRules(partyOf?: PartyOf): BeforeStore {
  return async (change) => {
    const { interaction, resource, previous, request } = change;
    if (interaction === 'create') return checkStart(change);
    if (interaction !== 'update' || !request || resource?.resourceType !== 'Task' || !previous) return;
    const before = previous as Task;
    const after = resource as Task;
    if (!isReferralTask(before) && !isReferralTask(after)) return;
    if (request.ifMatch === undefined) throw ifMatchRequired(before);
    const problem = transitionProblem(before.status, after.status);
    if (problem) throw unprocessable([issue('business-rule', problem, 'Task.status')]);
    const roles = await rolesOf(change, partyOf);
    if (roles) checkStatusParty(before, after, roles);
    checkUnchanged(before, after, mutableFor(roles));
    if (after.status === 'accepted' && before.status !== 'accepted') checkAcceptance(after);
  };
}

/**
 * A client posts a new referral as `requested`: a decision (accepted, rejected, …) is its owner's, through the
 * workflow and its effects. The service's own writes (demo data, the MESO import) and an admin loading existing
 * referrals are not client workflow steps.
 */
function checkStart({ resource, request, caller }: BeforeStoreChange): void {
  if (!request || resource?.resourceType !== 'Task' || !isReferralTask(resource as Task)) return;
  if (!caller || caller.organization.kind === 'admin') return;
  const problem = startProblem((resource as Task).status);
  if (problem) throw unprocessable([issue('business-rule', problem, 'Task.status')]);
}

/** What an acceptance must carry (an ELV request: the offered place in Task.output). */
function checkAcceptance(task: Task): void {
  const problem = acceptanceProblem(referralKind(task) ?? '', referralOutputs(task));
  if (problem) throw unprocessable([issue('required', problem, 'Task.output')]);
}

interface Roles {
  owner: boolean;
  requester: boolean;
  /** How the caller's organisation is known, for the message. */
  name: string;
}

/** The caller's part in the referral; undefined when the service or an admin acts (unrestricted). */
async function rolesOf(change: BeforeStoreChange, partyOf?: PartyOf): Promise<Roles | undefined> {
  const { caller, tx, previous } = change;
  if (!caller || !partyOf || caller.organization.kind === 'admin') return undefined;
  const party = await partyOf(tx, caller);
  const names = (path: string) =>
    referencesAt(previous as Resource, path).some((ref) => referenceNames(ref, party));
  const org = caller.organization;
  return {
    owner: names('owner'),
    requester: names('requester'),
    name: org.ura ? `URA ${org.ura}` : org.name,
  };
}

function ifMatchRequired(task: Task): FhirError {
  return new FhirError(428, [
    issue(
      'required',
      `An update of referral Task/${task.id} needs an If-Match header with the version you changed ` +
        `(e.g. If-Match: W/"${task.meta?.versionId ?? '1'}"), so that two parties cannot overwrite each other's decision`,
      'If-Match',
    ),
  ]);
}

/** Only the owner moves the referral along; the requester may only cancel it (403: the content is fine). */
function checkStatusParty(before: Task, after: Task, roles: Roles): void {
  if (before.status === after.status) return;
  const needed = transitionParty(before.status, after.status);
  if (needed === 'owner' && !roles.owner) {
    const own = roles.requester ? '; as its requester you may only cancel it (status cancelled)' : '';
    throw forbidden(
      `Only the Task's owner (${describe(before.owner)}) may change its status to '${after.status}'; ` +
        `your organisation (${roles.name}) is not the owner${own}`,
    );
  }
  if (needed === 'requester' && !roles.requester)
    throw forbidden(
      `Only the Task's requester (${describe(before.requester)}) may cancel it; your organisation ` +
        `(${roles.name}) is not the requester`,
    );
}

function mutableFor(roles: Roles | undefined): ReadonlySet<string> {
  if (!roles) return new Set(OWNER_MUTABLE);
  return new Set([...(roles.owner ? OWNER_MUTABLE : []), ...(roles.requester ? REQUESTER_MUTABLE : [])]);
}

/** Every element outside `mutable` stays as it was; each one that changed is named (422). */
function checkUnchanged(before: Task, after: Task, mutable: ReadonlySet<string>): void {
  const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
  const changed = [...keys]
    .map((key) => (key.startsWith('_') ? key.slice(1) : key))
    .filter((name, i, all) => all.indexOf(name) === i)
    .filter((name) => !SERVER_KEPT.has(name) && !mutable.has(name))
    .filter((name) => !sameElement(before, after, name));
  if (!changed.length) return;
  const allowed = mutable.size ? [...mutable].join(', ') : 'nothing';
  throw unprocessable(
    changed.map((name) =>
      issue(
        'business-rule',
        `Task.${name} of a referral cannot be changed (you may change: ${allowed}); send it as stored`,
        `Task.${name}`,
      ),
    ),
  );
}

function sameElement(before: Task, after: Task, name: string): boolean {
  const a = before as unknown as Record<string, unknown>;
  const b = after as unknown as Record<string, unknown>;
  return canonical(a[name]) === canonical(b[name]) && canonical(a[`_${name}`]) === canonical(b[`_${name}`]);
}

/** JSON with object keys sorted: the same content in another key order is the same element. */
function canonical(value: unknown): string {
  if (value === undefined) return '';
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([x], [y]) => (x < y ? -1 : 1)))
      : v,
  );
}

function describe(ref: Reference | undefined): string {
  if (!ref) return 'none';
  const id = ref.identifier?.value ? `identifier ${ref.identifier.value}` : undefined;
  return [ref.display, id ?? ref.reference].filter(Boolean).join(', ') || 'unnamed';
}

const forbidden = (message: string) => new FhirError(403, [issue('forbidden', message, 'Task.status')]);
