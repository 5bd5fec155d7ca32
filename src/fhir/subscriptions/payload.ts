import type { Bundle, Resource, Subscription } from '@medplum/fhirtypes';

export interface Notification {
  headers: Record<string, string>;
  body: string;
}

/**
 * The rest-hook POST (R4 subscription.html#rest-hook): without a payload an empty `history` Bundle (the
 * subscriber then searches itself, so nothing is disclosed in transit), else the resource as application/fhir+json.
 */
export function notificationOf(subscription: Subscription, resource: Resource): Notification {
  const headers: Record<string, string> = { 'content-type': 'application/fhir+json' };
  for (const line of subscription.channel?.header ?? []) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  headers['content-type'] = 'application/fhir+json';
  const empty: Bundle = { resourceType: 'Bundle', type: 'history' };
  const body = subscription.channel?.payload ? resource : empty;
  return { headers, body: JSON.stringify(body) };
}
