import type { Provenance, Resource } from '@medplum/fhirtypes';
import type { Queryable } from '../../store/database';
import { resourceStore, type StoredVersion } from '../../store/resource-store';
import { localKey } from '../../kernel/reference';
import { FhirError } from '../../kernel/outcome';
import type { RequestContext } from '../../kernel/request-context';
import type { ProvenanceInput } from '../careplan/plan-provenance';
import type { ResourceChange } from '../ports';
import type { FollowUpChange, VersionKey } from './stages';

/**
 * What a transaction-bound repository keeps until its commit, and the stages that run once all its writes are
 * done: derived content again (rederive), the server's Provenance (recordProvenance), then the outbox rows.
 */
export interface TransactionScope {
  tx: Queryable;
  changes: ResourceChange[];
  /** Versions with derived content, by `Type/id`: derived again once the whole transaction is written. */
  derived: Map<string, StoredVersion>;
  /** Direct writes that need a Provenance, by `Type/id` (the last write of each). */
  provenanceDue: Map<string, ProvenanceInput>;
  /** `Type/id`s a Provenance written in this transaction targets: those need none from the server. */
  provenanceSent: Set<string>;
  /** `Type/id`s a transaction Bundle creates or updates: existing for referential integrity, whatever the order. */
  pending: Set<string>;
  /** Client changes whose follow-up writes (RepositoryDeps.followUp) are still to be made, in order. */
  followUps: FollowUpChange[];
}

export const newScope = (tx: Queryable): TransactionScope => ({
  tx,
  changes: [],
  derived: new Map(),
  provenanceDue: new Map(),
  provenanceSent: new Set(),
  pending: new Set(),
  followUps: [],
});

/**
 * Derives the content of the transaction's derived versions again, now that all its writes are done, and
 * replaces it in place when it differs: still the same version, as nobody has seen it before the commit.
 */
export async function rederive(
  scope: TransactionScope,
  derive: ((resource: Resource, q: Queryable) => Promise<Resource>) | undefined,
): Promise<void> {
  if (!derive) return;
  for (const version of scope.derived.values()) {
    const current = await resourceStore.current(scope.tx, version.resourceType, version.id);
    if (!current || current.versionId !== version.versionId || !version.resource) continue;
    const again = await derive(version.resource, scope.tx);
    if (JSON.stringify(again) === JSON.stringify(version.resource)) continue;
    version.resource = again;
    await resourceStore.rewriteContent(scope.tx, version);
  }
}

/**
 * Notes what the Provenance stage needs of a stored version: a Provenance's targets (the client recorded
 * those writes itself), and a direct write (with a caller) that requires a Provenance.
 */
export function noteProvenance(
  scope: TransactionScope,
  rule: { required(resource: Resource | undefined): boolean } | undefined,
  ctx: RequestContext,
  version: StoredVersion,
  interaction: ProvenanceInput['interaction'],
  content: Resource | undefined,
): void {
  if (!rule) return;
  if (version.resourceType === 'Provenance') {
    for (const target of (content as Provenance | undefined)?.target ?? []) {
      const key = localKey(target.reference);
      if (key) scope.provenanceSent.add(key);
    }
  }
  if (!ctx.caller || !rule.required(content)) return;
  scope.provenanceDue.set(`${version.resourceType}/${version.id}`, {
    resourceType: version.resourceType,
    id: version.id,
    versionId: version.versionId,
    lastUpdated: version.lastUpdated,
    interaction,
    caller: ctx.caller,
    resource: content,
    sent: ctx.provenance,
    requestId: ctx.requestId,
    baseUrl: ctx.baseUrl,
  });
}

/**
 * The writes that need a Provenance from the server: those whose transaction carries none for them (a client's
 * own Provenance in the same Bundle wins). They are written last in the same transaction, as the service itself:
 * the caller's access policy is for the caller's resources, and the Provenance names the caller as its agent.
 */
export function provenanceDue(scope: TransactionScope): ProvenanceInput[] {
  return [...scope.provenanceDue].filter(([key]) => !scope.provenanceSent.has(key)).map(([, input]) => input);
}

/** A 422 on the server's Provenance can only come from what the client sent in X-Provenance: say so. */
export async function headerFault(input: ProvenanceInput, write: () => Promise<unknown>): Promise<void> {
  try {
    await write();
  } catch (err) {
    if (!(err instanceof FhirError) || err.status !== 422 || !input.sent) throw err;
    const issues = err.issues.map((i) => ({ ...i, diagnostics: `X-Provenance: ${i.diagnostics ?? ''}` }));
    throw new FhirError(422, issues);
  }
}

/** Adds the versions a change's follow-up wrote to the targets of the change's Provenance, when it needs one. */
export function noteEffects(
  scope: TransactionScope,
  change: FollowUpChange,
  effects: readonly VersionKey[],
): void {
  const due = scope.provenanceDue.get(`${change.version.resourceType}/${change.version.id}`);
  if (due && effects.length) due.effects = [...(due.effects ?? []), ...effects];
}
