import type { Resource, Subscription } from '@medplum/fhirtypes';
import { issue, notFound, unprocessable } from '../../kernel/outcome';
import { removeSubscription, saveSubscription, subscriptionOwner } from '../../store/subscriptions';
import type { BeforeStore } from '../repository';
import { parseSubscriptionCriteria } from './criteria';

/** Where notifications may be sent (config SUBSCRIPTION_ENDPOINTS; localhost in development). */
export interface EndpointPolicy {
  endpoints: readonly string[];
  allowLocalhost: boolean;
}

const PAYLOADS = new Set([undefined, 'application/fhir+json']);

/** The server activates a requested Subscription: it checks it at once instead of in a later handshake. */
export function activateSubscription(resource: Resource): Resource {
  if (resource.resourceType !== 'Subscription' || resource.status !== 'requested') return resource;
  return { ...resource, status: 'active' };
}

function checkEndpoint(endpoint: string | undefined, policy: EndpointPolicy): void {
  const refuse = (message: string) =>
    unprocessable([issue('invalid', message, 'Subscription.channel.endpoint')]);
  let url: URL;
  try {
    url = new URL(endpoint ?? '');
  } catch {
    throw refuse(
      `The endpoint "${endpoint ?? ''}" is not an absolute URL; give the https URL of your receiver`,
    );
  }
  const local = url.protocol === 'http:' && ['localhost', '127.0.0.1'].includes(url.hostname);
  if (url.protocol !== 'https:' && !(local && policy.allowLocalhost))
    throw refuse(`The endpoint "${endpoint}" must use https`);
  if (local && policy.allowLocalhost) return;
  if (!policy.endpoints.some((prefix) => url.href.startsWith(prefix)))
    throw refuse(
      `The endpoint "${endpoint}" is not on this server's allow-list; ask the operator to add it to SUBSCRIPTION_ENDPOINTS`,
    );
}

/** Validates a rest-hook Subscription (criteria, endpoint, payload). Throws 422. */
export function checkSubscription(subscription: Subscription, policy: EndpointPolicy): void {
  parseSubscriptionCriteria(subscription.criteria ?? '');
  const channel = subscription.channel;
  if (channel?.type !== 'rest-hook')
    throw unprocessable([
      issue('not-supported', 'Only channel.type rest-hook is supported', 'Subscription.channel.type'),
    ]);
  checkEndpoint(channel.endpoint, policy);
  if (!PAYLOADS.has(channel.payload))
    throw unprocessable([
      issue(
        'not-supported',
        `Payload "${channel.payload}" is not supported; leave it out (empty notification) or use application/fhir+json`,
        'Subscription.channel.payload',
      ),
    ]);
}

/**
 * In the write transaction: checks a Subscription and keeps the subscription table in step. A Subscription
 * belongs to the client that created it; another client cannot see it (404), so cannot change it either.
 */
export function subscriptionRules(policy: EndpointPolicy): BeforeStore {
  return async ({ interaction, resource, previous, caller, tx }) => {
    const current = resource ?? previous;
    if (current?.resourceType !== 'Subscription') return;
    const id = current.id as string;
    if (previous && caller) {
      const owner = await subscriptionOwner(tx, id);
      if (owner !== undefined && owner !== caller.clientId) throw notFound(`Subscription/${id} is not known`);
    }
    if (interaction === 'delete' || !resource) return removeSubscription(tx, id);
    const subscription = resource as Subscription;
    checkSubscription(subscription, policy);
    const owner = (previous && (await subscriptionOwner(tx, id))) ?? caller?.clientId ?? 'system';
    await saveSubscription(tx, {
      id,
      clientId: owner,
      criteriaType: parseSubscriptionCriteria(subscription.criteria as string).resourceType,
      criteria: subscription.criteria as string,
      status: subscription.status,
      activeSince: subscription.meta?.lastUpdated as string,
    });
  };
}
