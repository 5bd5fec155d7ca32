import { randomUUID } from 'node:crypto';
import type { Resource } from '@medplum/fhirtypes';
import type { Caller } from '../../kernel/caller';
import type { Database, Queryable } from '../../store/database';
import { resourceStore, type StoredVersion } from '../../store/resource-store';
import { activeSubscriptions, type SubscriptionRow } from '../../store/subscriptions';
import type { AccessGuard, ResourceChange } from '../ports';
import { findMatches } from '../search/search';
import { indexResource, storeIndexes } from '../search/indexer';
import { parseSubscriptionCriteria } from './criteria';

export interface MatchDeps {
  db: Queryable;
  /** For matching a version that is no longer current (matchesAsVersion); without it, the current one counts. */
  database?: Pick<Database, 'transaction'>;
  access?: AccessGuard;
  /** The subscriber as a caller (its client's organisation and registered scopes); none for an unknown client. */
  callerOf(clientId: string): Promise<Caller | undefined>;
}

/**
 * Does the (current) resource match the criteria? The criteria search itself, narrowed to this one id. `alias`:
 * the resource is stored under another id for this search (matchesAsVersion), which an `_id` criterion means too.
 */
export async function matchesCriteria(
  db: Queryable,
  criteria: string,
  resourceType: string,
  id: string,
  alias?: string,
) {
  const parsed = parseSubscriptionCriteria(criteria);
  if (parsed.resourceType !== resourceType) return false;
  const own = (value: string) =>
    value
      .split(',')
      .map((v) => (v === id && alias ? alias : v))
      .join(',');
  const params = parsed.params.map(([name, value]): [string, string] => [
    name,
    name === '_id' ? own(value) : value,
  ]);
  const found = await findMatches(db, resourceType, [...params, ['_id', alias ?? id]], 1);
  return found.length > 0;
}

/**
 * The Subscriptions a committed change notifies: active ones on its type (one index probe), whose criteria match
 * the version (not a later one: a Task received right after it was requested still matched `status=requested`),
 * and whose client may read it. A deletion has no new content to match and notifies nobody.
 */
export async function subscriptionsFor(deps: MatchDeps, change: ResourceChange): Promise<SubscriptionRow[]> {
  if (change.interaction === 'delete') return [];
  const candidates = await activeSubscriptions(deps.db, change.resourceType, change.lastUpdated);
  if (!candidates.length) return [];
  const version = await resourceStore.version(deps.db, change.resourceType, change.id, change.versionId);
  if (!version?.resource) return [];
  const current = await resourceStore.current(deps.db, change.resourceType, change.id);
  const matching =
    current?.versionId === version.versionId || !deps.database
      ? await filterAsync(candidates, (s) =>
          matchesCriteria(deps.db, s.criteria, change.resourceType, change.id),
        )
      : await matchesAsVersion(deps.database, version, candidates);
  const notified: SubscriptionRow[] = [];
  for (const subscription of matching)
    if (await mayRead(deps, subscription.clientId, version.resource as Resource)) notified.push(subscription);
  return notified;
}

/** Thrown to roll back the scratch transaction of matchesAsVersion, carrying its answer. */
class Scratch {
  constructor(readonly matching: SubscriptionRow[]) {}
}

/**
 * The candidates whose criteria match an earlier version: the criteria search itself, run in a transaction that
 * is rolled back, on that version stored and indexed under a fresh id. Nothing of it is ever visible to others,
 * and no row of the resource itself is touched (no lock a writer could wait for).
 */
async function matchesAsVersion(
  database: Pick<Database, 'transaction'>,
  version: StoredVersion,
  candidates: SubscriptionRow[],
): Promise<SubscriptionRow[]> {
  const id = randomUUID();
  const resource = { ...(version.resource as Resource), id };
  try {
    await database.transaction(async (tx) => {
      await resourceStore.write(tx, { ...version, id, resource });
      await storeIndexes(tx, version.resourceType, id, indexResource(resource), version.versionId, true);
      throw new Scratch(
        await filterAsync(candidates, (s) =>
          matchesCriteria(tx, s.criteria, version.resourceType, version.id, id),
        ),
      );
    });
  } catch (err) {
    if (err instanceof Scratch) return err.matching;
    throw err;
  }
  return [];
}

async function filterAsync<T>(items: readonly T[], keep: (item: T) => Promise<boolean>): Promise<T[]> {
  const kept: T[] = [];
  for (const item of items) if (await keep(item)) kept.push(item);
  return kept;
}

async function mayRead(deps: MatchDeps, clientId: string, resource: Resource): Promise<boolean> {
  const caller = await deps.callerOf(clientId);
  if (!caller) return false;
  if (!deps.access) return true;
  const ctx = { requestId: `subscription:${clientId}`, baseUrl: '', caller };
  try {
    deps.access.checkScope(caller, resource.resourceType, 'r');
  } catch {
    return false;
  }
  return deps.access.canRead(deps.db, ctx, resource);
}
