import type { Resource } from '@medplum/fhirtypes';
import type { AccessRestriction } from '../../kernel/access-restriction';
import type { Queryable } from '../../store/database';
import { findIncludedAll, MAX_INCLUDED } from '../../store/search/include-query';
import type { IncludeSpec } from './search-request';
import { keyOf } from '../../kernel/reference';

// :iterate follows includes of includes; a few rounds cover every real chain (Task → ServiceRequest → Patient).
const MAX_ROUNDS = 4;

/**
 * _include and _revinclude for one page of matches (R4 search.html#include). Included resources pass the same
 * access restriction as matches; each appears once and never when it is a match itself.
 */
export async function resolveIncludes(
  q: Queryable,
  specs: readonly IncludeSpec[],
  matches: readonly Resource[],
  access: AccessRestriction | undefined,
): Promise<Resource[]> {
  if (specs.length === 0 || matches.length === 0) return [];
  const seen = new Set(matches.map(keyOf));
  const included: Resource[] = [];
  let frontier: readonly Resource[] = matches;
  for (let round = 0; round < MAX_ROUNDS && frontier.length && included.length < MAX_INCLUDED; round++) {
    const applicable = specs.filter((s) => round === 0 || s.iterate);
    const found: Resource[] = [];
    const from = frontier.map((r) => ({ resourceType: r.resourceType, id: r.id as string }));
    // One statement per round, in the order of the parameters, however many there are.
    for (const resource of await findIncludedAll(q, applicable, from, access)) {
      if (seen.has(keyOf(resource))) continue;
      seen.add(keyOf(resource));
      found.push(resource);
    }
    included.push(...found);
    frontier = found;
  }
  return included;
}
