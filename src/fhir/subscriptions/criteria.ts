import type { Subscription } from '@medplum/fhirtypes';
import { FhirError, issue, unprocessable } from '../../kernel/outcome';
import { isSupportedType } from '../../kernel/resource-types';
import { parseCriteria } from '../search/criteria';
import { parseSearchRequest } from '../search/search-request';

const EXPRESSION = 'Subscription.criteria';

export interface SubscriptionCriteria {
  resourceType: string;
  params: Array<[string, string]>;
}

const refuse = (message: string) => unprocessable([issue('invalid', message, EXPRESSION)]);

/**
 * `Type?params`, checked by the search parser that will run it: a criterion the server cannot evaluate must be
 * refused now (422), not silently match nothing, or everything, later.
 */
export function parseSubscriptionCriteria(criteria: string): SubscriptionCriteria {
  const match = /^([A-Za-z]+)\?(.+)$/.exec(criteria);
  if (!match)
    throw refuse(`Criteria "${criteria}" must be Type?parameters, e.g. CarePlan?patient=Patient/<id>`);
  const resourceType = match[1];
  if (!isSupportedType(resourceType))
    throw refuse(`Criteria "${criteria}": ${resourceType} is not a resource type this server supports`);
  try {
    const params = parseCriteria(criteria, 'Subscription', EXPRESSION);
    parseSearchRequest(resourceType, params, false);
    return { resourceType, params };
  } catch (err) {
    if (!(err instanceof FhirError)) throw err;
    throw unprocessable(err.issues.map((i) => ({ ...i, expression: [EXPRESSION] })));
  }
}

/** The criteria of a stored Subscription (validated when it was written). */
export const criteriaOf = (subscription: Subscription) =>
  parseSubscriptionCriteria(subscription.criteria ?? '');
