import type { Queryable } from './database';

// The subscription table (migration 008): who subscribed to which type, kept with each Subscription version.

export interface SubscriptionRow {
  id: string;
  clientId: string;
  criteriaType: string;
  criteria: string;
  status: string;
  /** The lastUpdated of the version that made it active (kept while it stays active). */
  activeSince: string;
}

/** Records the current version of a Subscription (in its write transaction). */
export async function saveSubscription(q: Queryable, row: SubscriptionRow): Promise<void> {
  await q.query(
    `INSERT INTO subscription (id, client_id, criteria_type, criteria, status, active_since)
     VALUES ($1, $2, $3, $4, $5, $6)
     ON CONFLICT (id) DO UPDATE SET client_id = $2, criteria_type = $3, criteria = $4, status = $5,
       active_since = CASE WHEN subscription.status = 'active' THEN subscription.active_since ELSE $6 END`,
    [row.id, row.clientId, row.criteriaType, row.criteria, row.status, row.activeSince],
  );
}

export async function removeSubscription(q: Queryable, id: string): Promise<void> {
  await q.query('DELETE FROM subscription WHERE id = $1', [id]);
  await q.query('DELETE FROM subscription_notification WHERE subscription_id = $1', [id]);
}

/**
 * Claims the notification of one version to one Subscription (migration 009): true the first time only, so that
 * the delivery job is queued once across instances and outbox retries. Run it in the transaction that queues it.
 */
export async function claimNotification(
  q: Queryable,
  n: { subscriptionId: string; resourceType: string; id: string; versionId: number },
): Promise<boolean> {
  const res = await q.query(
    `INSERT INTO subscription_notification (subscription_id, resource_type, id, version_id)
     VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING`,
    [n.subscriptionId, n.resourceType, n.id, n.versionId],
  );
  return res.rowCount === 1;
}

/** The client that created the Subscription, if it is known. */
export async function subscriptionOwner(q: Queryable, id: string): Promise<string | undefined> {
  const res = await q.query<{ client_id: string }>('SELECT client_id FROM subscription WHERE id = $1', [id]);
  return res.rows[0]?.client_id;
}

/**
 * The Subscriptions whose criteria search `resourceType` (index subscription_type) and that were active when a
 * change was committed at `at`.
 */
export async function activeSubscriptions(
  q: Queryable,
  resourceType: string,
  at: string,
): Promise<SubscriptionRow[]> {
  const res = await q.query<{
    id: string;
    client_id: string;
    criteria_type: string;
    criteria: string;
    status: string;
    active_since: Date;
  }>(
    `SELECT id, client_id, criteria_type, criteria, status, active_since FROM subscription
     WHERE criteria_type = $1 AND status = 'active' AND active_since <= $2`,
    [resourceType, at],
  );
  return res.rows.map((r) => ({
    id: r.id,
    clientId: r.client_id,
    criteriaType: r.criteria_type,
    criteria: r.criteria,
    status: r.status,
    activeSince: r.active_since.toISOString(),
  }));
}
