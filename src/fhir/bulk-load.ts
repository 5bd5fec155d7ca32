import type { Resource } from '@medplum/fhirtypes';
import type { Database } from '../store/database';
import { insertNewVersions, type BulkVersion } from '../store/bulk-load';
import { indexTableRows } from '../store/lookups/index-rows';
import { resourceStore } from '../store/resource-store';
import { prepareWrite, stamp, type ConformanceCheck, type PrepareDeps } from './repository';
import { indexResource } from './search/indexer';
import { withNarrative } from './narrative/narrative';

export interface BulkLoadOptions {
  /** Resources per statement and transaction. */
  batch: number;
  /** Validate each resource as the write path does (422 → the load stops); absent: trusted input. */
  conformance?: ConformanceCheck;
  onBatch?: (loaded: number) => void;
}

/**
 * Stores the same rows for a new resource as the write path would (FhirRepository.create), from the same prepare
 * stage (prepareWrite: default profile, validation, narrative, indexResource) and the same indexTableRows, inserted in multi-row statements, one transaction per batch. Resources
 * need ids; they must be new. No audit record per resource: the caller reports the load as a whole.
 */
export async function bulkLoad(
  db: Database,
  resources: Iterable<Resource>,
  options: BulkLoadOptions,
): Promise<number> {
  const deps = { conformance: options.conformance, narrative: withNarrative, indexResource };
  let loaded = 0;
  let pending: Promise<void> = Promise.resolve();
  let batch: Resource[] = [];
  const flush = async () => {
    const lastUpdated = await resourceStore.now(db.pool);
    // Prepared in Node while the previous batch is still being written by PostgreSQL.
    const versions = batch.map((r) => prepare(deps, r, lastUpdated));
    batch = [];
    await pending;
    pending = db
      .transaction((tx) => insertNewVersions(tx, versions))
      .then(() => {
        loaded += versions.length;
        options.onBatch?.(loaded);
      });
    pending.catch(() => undefined); // awaited by the next flush or at the end; not unhandled meanwhile
  };
  for (const resource of resources) {
    batch.push(resource);
    if (batch.length >= options.batch) await flush();
  }
  if (batch.length) await flush();
  await pending;
  return loaded;
}

function prepare(deps: PrepareDeps, resource: Resource, lastUpdated: string): BulkVersion {
  if (!resource.id)
    throw new Error(`bulk load needs resources with an id (a ${resource.resourceType} has none)`);
  const { stored: content, index } = stamp(prepareWrite(deps, resource), { versionId: 1, lastUpdated });
  const tables = indexTableRows(content.resourceType, resource.id, index ?? indexResource(content), 1);
  return { resourceType: content.resourceType, id: resource.id, lastUpdated, content, tables };
}
