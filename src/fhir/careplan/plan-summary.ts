import type { Resource } from '@medplum/fhirtypes';
import type { Queryable } from '../../store/database';
import { resourceStore } from '../../store/resource-store';
import { findMatches } from '../search/search';
import { isZorgbehandelplan, resolvePlanGraph, type PlanResolver } from '../narrative/plan-graph';
import { zorgbehandelplanNarrative } from '../narrative/zorgbehandelplan-narrative';

/** Sub-plans and directives of one patient: far below this in practice; a bound keeps one write bounded. */
const SEARCH_LIMIT = 200;

/** The plan's references as the service sees them, on `q` (the write transaction, or the pool). */
export function storeResolver(q: Queryable): PlanResolver {
  return {
    readMany: (keys) =>
      resourceStore.currentMany(
        q,
        keys.map((key) => {
          const [resourceType, id] = key.split('/');
          return { resourceType, id };
        }),
      ),
    search: (resourceType, params) => findMatches(q, resourceType, params, SEARCH_LIMIT),
  };
}

/**
 * A zorgbehandelplan with its generated narrative summarising the resolved graph (team, problems, goals, actions,
 * directives); any other resource as it is. An author's own narrative (status other than `generated`) is kept.
 *
 * Why here and not in the prepare stage: the summary reads other resources, and prepare runs before the
 * transaction without a database. It runs in the transaction instead, after validation, access policy and
 * beforeStore, on content that was already validated: the narrative is server-made and escaped, so it needs no
 * check, and no search index row depends on Resource.text, so the rows computed in prepare stay right. In a
 * transaction Bundle it sees the resources written before it; those written after it trigger the refresh job.
 */
export async function withPlanSummary(resource: Resource, q: Queryable): Promise<Resource> {
  if (!isZorgbehandelplan(resource)) return resource;
  if (resource.text !== undefined && resource.text.status !== 'generated') return resource;
  const graph = await resolvePlanGraph(resource, storeResolver(q));
  return { ...resource, text: zorgbehandelplanNarrative(graph) };
}
