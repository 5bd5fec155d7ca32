import type PgBoss from 'pg-boss';
import type { Logger } from 'pino';
import type { Resource, Subscription } from '@medplum/fhirtypes';
import type { SubscriptionConfig } from '../config';
import type { FhirRepository } from '../fhir/repository';
import { subscriptionsFor, type MatchDeps } from '../fhir/subscriptions/matcher';
import { notificationOf } from '../fhir/subscriptions/payload';
import { resourceStore } from '../store/resource-store';
import type { Database } from '../store/database';
import { jobExecutor } from '../store/job-executor';
import { claimNotification } from '../store/subscriptions';
import type { AfterCommit } from './outbox';
import { fetchAgainWhenFull } from './drain';

/** One notification: a Subscription and the version it is about. */
export const SUBSCRIPTION_DELIVERY = 'subscription-delivery';

interface Delivery {
  subscriptionId: string;
  resourceType: string;
  id: string;
  versionId: number;
}

export interface NotificationDeps extends MatchDeps {
  /** For the transaction that claims a notification and queues its delivery together. */
  database: Pick<Database, 'transaction'>;
  retry: Pick<SubscriptionConfig, 'retryLimit' | 'retryDelaySeconds'>;
  /** The write path, bound once the FHIR engine is built: marking a Subscription `error` is a new version. */
  repository(): FhirRepository | undefined;
  logger?: Logger;
}

const TIMEOUT_MS = 10_000;

/**
 * The afterCommit consumer: one delivery job per (Subscription, version). The claim row and the job commit
 * together, so a second instance, or a retry of the outbox batch, queues nothing again.
 */
export function subscriptionConsumer(boss: PgBoss, deps: NotificationDeps): AfterCommit {
  return async (change) => {
    for (const subscription of await subscriptionsFor(deps, change)) {
      const data: Delivery = {
        subscriptionId: subscription.id,
        resourceType: change.resourceType,
        id: change.id,
        versionId: change.versionId,
      };
      await deps.database.transaction(async (tx) => {
        if (await claimNotification(tx, data))
          await boss.send(SUBSCRIPTION_DELIVERY, data, { db: jobExecutor(tx) });
      });
    }
  };
}

/**
 * Deliveries fetched per poll. pg-boss polls a queue every 2 s, so one job per poll would cap a service at one
 * notification per 2 s (a referral's five status changes to two subscribers took 20 s).
 */
const DELIVERY_BATCH = 20;

/** Creates the delivery queue (retries with backoff, from config) and works it, a batch per poll (or at once after a full one). */
export async function startDelivery(boss: PgBoss, deps: NotificationDeps): Promise<void> {
  const { retryLimit, retryDelaySeconds } = deps.retry;
  await boss.createQueue(SUBSCRIPTION_DELIVERY, {
    name: SUBSCRIPTION_DELIVERY,
    retryLimit,
    retryDelay: retryDelaySeconds,
    retryBackoff: true,
  });
  let worker = '';
  const next = fetchAgainWhenFull(boss, DELIVERY_BATCH, () => worker);
  worker = await boss.work<Delivery>(
    SUBSCRIPTION_DELIVERY,
    { includeMetadata: true, batchSize: DELIVERY_BATCH },
    async (jobs) => {
      await deliverBatch(boss, deps, jobs);
      next(jobs);
    },
  );
}

/**
 * Each Subscription's deliveries of the batch in version order, the Subscriptions side by side. A failed one is
 * failed alone (pg-boss retries it; the batch's other jobs complete), and after its last try the Subscription
 * goes to `error` (R4); its client re-activates it with a PUT.
 */
async function deliverBatch(
  boss: PgBoss,
  deps: NotificationDeps,
  jobs: ReadonlyArray<PgBoss.JobWithMetadata<Delivery>>,
): Promise<void> {
  const bySubscription = new Map<string, Array<PgBoss.JobWithMetadata<Delivery>>>();
  for (const job of jobs)
    bySubscription.set(job.data.subscriptionId, [
      ...(bySubscription.get(job.data.subscriptionId) ?? []),
      job,
    ]);
  const inOrder = (a: PgBoss.JobWithMetadata<Delivery>, b: PgBoss.JobWithMetadata<Delivery>) =>
    a.data.id.localeCompare(b.data.id) || a.data.versionId - b.data.versionId;
  await Promise.all(
    [...bySubscription.values()].map(async (group) => {
      for (const job of group.sort(inOrder)) await deliverJob(boss, deps, job);
    }),
  );
}

async function deliverJob(boss: PgBoss, deps: NotificationDeps, job: PgBoss.JobWithMetadata<Delivery>) {
  try {
    await deliver(deps, job.data);
  } catch (err) {
    const message = (err as Error).message;
    if (job.retryCount < job.retryLimit) return boss.fail(SUBSCRIPTION_DELIVERY, job.id, { message });
    // The Subscription could not be marked (the repository is not ready yet): this job fails alone.
    await markError(deps, job.data.subscriptionId, message).catch((markErr: Error) =>
      boss.fail(SUBSCRIPTION_DELIVERY, job.id, { message: markErr.message }),
    );
  }
}

async function deliver(deps: NotificationDeps, delivery: Delivery): Promise<void> {
  const current = await resourceStore.current(deps.db, 'Subscription', delivery.subscriptionId);
  const subscription = current?.resource as Subscription | undefined;
  // Stopped, in error or deleted since the change: nothing is sent (re-activation resumes later changes).
  if (!subscription || current?.deleted || subscription.status !== 'active') return;
  const version = await resourceStore.version(
    deps.db,
    delivery.resourceType,
    delivery.id,
    delivery.versionId,
  );
  if (!version?.resource) return;
  const { headers, body } = notificationOf(subscription, version.resource as Resource);
  const endpoint = subscription.channel?.endpoint as string;
  const response = await fetch(endpoint, {
    method: 'POST',
    headers,
    body,
    signal: AbortSignal.timeout(TIMEOUT_MS),
  });
  await response.body?.cancel();
  if (!response.ok) throw new Error(`The endpoint ${endpoint} answered HTTP ${response.status}`);
  deps.logger?.debug({ delivery }, 'subscription notification delivered');
}

async function markError(deps: NotificationDeps, id: string, reason: string): Promise<void> {
  const repository = deps.repository();
  if (!repository) throw new Error('the FHIR repository is not ready');
  const current = await resourceStore.current(deps.db, 'Subscription', id);
  const subscription = current?.resource as Subscription | undefined;
  if (!subscription || current?.deleted || subscription.status !== 'active') return;
  const ctx = { requestId: `subscription-delivery:${id}`, baseUrl: '' };
  const failed: Subscription = { ...subscription, status: 'error', error: `Delivery failed: ${reason}` };
  await repository.update(ctx, 'Subscription', id, failed);
  deps.logger?.warn({ subscription: id, reason }, 'subscription set to error after its last retry');
}
