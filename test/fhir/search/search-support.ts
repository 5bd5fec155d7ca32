import type { Bundle, Resource } from '@medplum/fhirtypes';
import type { Database, Queryable } from '../../../src/store/database';
import { resourceStore } from '../../../src/store/resource-store';
import { removeIndexes, writeIndexes } from '../../../src/fhir/search/indexer';
import { search, type SearchContext } from '../../../src/fhir/search/search';

export const BASE = 'http://localhost:8080/fhir';
export const CTX: SearchContext = {
  baseUrl: BASE,
  lenient: false,
  defaultCount: 20,
  maxCount: 100,
  cursorKey: Buffer.alloc(32, 7),
};

/** Stores resources as the write path does: a new current version plus its index rows, in one transaction. */
export async function save(db: Database, ...resources: Resource[]): Promise<void> {
  await db.transaction(async (tx) => {
    for (const resource of resources) await saveIn(tx, resource);
  });
}

export async function saveIn(tx: Queryable, resource: Resource): Promise<void> {
  const previous = await resourceStore.current(tx, resource.resourceType, resource.id as string, true);
  const versionId = (previous?.versionId ?? 0) + 1;
  const lastUpdated = resource.meta?.lastUpdated ?? (await resourceStore.now(tx));
  const stored = {
    ...resource,
    meta: { ...resource.meta, versionId: String(versionId), lastUpdated },
  } as Resource;
  await resourceStore.write(tx, {
    resourceType: resource.resourceType,
    id: resource.id as string,
    versionId,
    lastUpdated,
    deleted: false,
    method: previous ? 'PUT' : 'POST',
    resource: stored,
  });
  await writeIndexes(tx, stored);
}

export async function remove(db: Database, resourceType: string, id: string): Promise<void> {
  await db.transaction(async (tx) => {
    const previous = await resourceStore.current(tx, resourceType, id, true);
    await resourceStore.write(tx, {
      resourceType,
      id,
      versionId: (previous?.versionId ?? 0) + 1,
      lastUpdated: await resourceStore.now(tx),
      deleted: true,
      method: 'DELETE',
    });
    await removeIndexes(tx, resourceType, id);
  });
}

/** Runs a search from a query string, as the REST layer would pass it. */
export function run(
  db: Database,
  type: string,
  query: string,
  ctx: Partial<SearchContext> = {},
): Promise<Bundle> {
  return search(db.pool, type, [...new URLSearchParams(query)], { ...CTX, ...ctx });
}

/** The ids of the matches, in order. */
export const ids = (bundle: Bundle, mode: 'match' | 'include' = 'match'): string[] =>
  (bundle.entry ?? []).filter((e) => e.search?.mode === mode).map((e) => e.resource?.id as string);

export const link = (bundle: Bundle, relation: string): string | undefined =>
  bundle.link?.find((l) => l.relation === relation)?.url;

/** The query pairs of a link, to follow it. */
export const queryOf = (url: string): string => new URL(url).search.slice(1);
