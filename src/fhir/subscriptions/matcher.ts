import type { Resource } from '@medplum/fhirtypes';
import type { Caller } from '../../kernel/caller';
import type { Queryable } from '../../store/database';
import { resourceStore } from '../../store/resource-store';
import { activeSubscriptions, type SubscriptionRow } from '../../store/subscriptions';
import type { AccessGuard, ResourceChange } from '../ports';
import { findMatches } from '../search/search';
import { parseSubscriptionCriteria } from './criteria';

export interface MatchDeps {
  db: Queryable;
  access?: AccessGuard;
  /** The subscriber as a caller (its client's organisation and registered scopes); none for an unknown client. */
  callerOf(clientId: string): Promise<Caller | undefined>;
}

/** Does the (current) resource match the criteria? The criteria search itself, narrowed to this one id. */
export async function matchesCriteria(db: Queryable, criteria: string, resourceType: string, id: string) {
  const parsed = parseSubscriptionCriteria(criteria);
  if (parsed.resourceType !== resourceType) return false;
  const found = await findMatches(db, resourceType, [...parsed.params, ['_id', id]], 1);
  return found.length > 0;
}

/**
 * The Subscriptions a committed change notifies: active ones on its type (one index probe), whose criteria match
 * the resource, and whose client may read it. A deletion has no new content to match and notifies nobody.
 */
export async function subscriptionsFor(deps: MatchDeps, change: ResourceChange): Promise<SubscriptionRow[]> {
  if (change.interaction === 'delete') return [];
  const candidates = await activeSubscriptions(deps.db, change.resourceType, change.lastUpdated);
  if (!candidates.length) return [];
  const version = await resourceStore.version(deps.db, change.resourceType, change.id, change.versionId);
  if (!version?.resource) return [];
  const notified: SubscriptionRow[] = [];
  for (const subscription of candidates) {
    if (!(await matchesCriteria(deps.db, subscription.criteria, change.resourceType, change.id))) continue;
    if (await mayRead(deps, subscription.clientId, version.resource as Resource)) notified.push(subscription);
  }
  return notified;
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
