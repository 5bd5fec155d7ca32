import type { Resource } from '@medplum/fhirtypes';
import type { Queryable } from './database';
import { runPrepared } from './prepared';
import type { AccessRestriction } from '../kernel/access-restriction';
import { SqlParams } from './lookups/lookup';
import { accessSql } from './search/access-sql';

/** The largest version id the `integer` version_id column holds. */
export const MAX_VERSION_ID = 2_147_483_647;

/** One stored version of a resource; `resource` is absent for a delete marker. */
export interface StoredVersion {
  resourceType: string;
  id: string;
  versionId: number;
  lastUpdated: string;
  deleted: boolean;
  method: 'POST' | 'PUT' | 'DELETE';
  resource?: Resource;
}

export interface HistoryQuery {
  resourceType?: string;
  id?: string;
  since?: string;
  at?: string;
  count: number;
  /** Exclusive upper bound on `seq`, for stable paging while others write. */
  beforeSeq?: number;
  /** Only these types (system history `_type`). */
  types?: readonly string[];
  /** Never these types (AuditEvent in system history unless asked for). */
  excludeTypes?: readonly string[];
  /** What the caller may see, applied before paging; undefined = unrestricted. */
  access?: AccessRestriction;
  /** Count the matching versions (costly on a large table: only when the client gets a total). */
  total?: boolean;
}

export interface HistoryPage {
  versions: StoredVersion[];
  /** Pass as `beforeSeq` to get the next page; absent on the last page. */
  nextBeforeSeq?: number;
  /** Absent when the page was filtered for access, so that it reveals nothing. */
  total?: number;
}

interface VersionRow {
  resource_type: string;
  id: string;
  version_id: number;
  last_updated: Date;
  deleted: boolean;
  method: StoredVersion['method'];
  content: Resource | null;
  seq?: number;
}

function toVersion(row: VersionRow): StoredVersion {
  return {
    resourceType: row.resource_type,
    id: row.id,
    versionId: row.version_id,
    lastUpdated: row.last_updated.toISOString(),
    deleted: row.deleted,
    method: row.method ?? (row.deleted ? 'DELETE' : 'PUT'),
    resource: row.content ?? undefined,
  };
}

/**
 * The SQL for resources and their versions. Only this module and the lookups know the tables; callers pass a
 * Queryable so that a write and its indexes, audit and history share one transaction.
 */
export const resourceStore = {
  /** The current version (possibly a delete marker), optionally locked for update. */
  async current(
    q: Queryable,
    resourceType: string,
    id: string,
    forUpdate = false,
  ): Promise<StoredVersion | undefined> {
    const res = await runPrepared<VersionRow>(
      q,
      `SELECT resource_type, id, version_id, last_updated, deleted, content FROM resource
       WHERE resource_type = $1 AND id = $2${forUpdate ? ' FOR UPDATE' : ''}`,
      [resourceType, id],
    );
    return res.rows[0] ? toVersion(res.rows[0]) : undefined;
  },

  async version(
    q: Queryable,
    resourceType: string,
    id: string,
    versionId: number,
  ): Promise<StoredVersion | undefined> {
    // version_id is an integer column: a number outside its range names no version (and must not reach SQL).
    if (!Number.isInteger(versionId) || versionId < 1 || versionId > MAX_VERSION_ID) return undefined;
    const res = await q.query<VersionRow>(
      `SELECT resource_type, id, version_id, last_updated, deleted, method, content FROM resource_version
       WHERE resource_type = $1 AND id = $2 AND version_id = $3`,
      [resourceType, id, versionId],
    );
    return res.rows[0] ? toVersion(res.rows[0]) : undefined;
  },

  /** Loads current, non-deleted resources by reference keys, in one query. */
  async currentMany(
    q: Queryable,
    keys: ReadonlyArray<{ resourceType: string; id: string }>,
  ): Promise<Resource[]> {
    if (keys.length === 0) return [];
    const res = await q.query<{ content: Resource }>(
      `SELECT r.content FROM resource r
       JOIN unnest($1::text[], $2::text[]) AS k(t, i) ON r.resource_type = k.t AND r.id = k.i
       WHERE NOT r.deleted`,
      [keys.map((k) => k.resourceType), keys.map((k) => k.id)],
    );
    return res.rows.map((r) => r.content);
  },

  /** Writes a new version and makes it current. The caller has locked the row (or knows it is new). */
  async write(q: Queryable, v: StoredVersion): Promise<void> {
    const params = [
      v.resourceType,
      v.id,
      v.versionId,
      v.lastUpdated,
      v.deleted,
      v.method,
      v.resource ?? null,
    ];
    // One round trip for both rows (no constraint ties them, so the order inside the statement does not matter).
    await q.query(
      `WITH v AS (
         INSERT INTO resource_version (resource_type, id, version_id, last_updated, deleted, method, content)
         VALUES ($1, $2, $3, $4, $5, $6, $7))
       INSERT INTO resource (resource_type, id, version_id, last_updated, deleted, content)
       VALUES ($1, $2, $3, $4, $5, $7)
       ON CONFLICT (resource_type, id) DO UPDATE SET version_id = EXCLUDED.version_id,
         last_updated = EXCLUDED.last_updated, deleted = EXCLUDED.deleted, content = EXCLUDED.content`,
      params,
    );
  },

  /**
   * Replaces the content of a version written in this same transaction (nobody has seen it yet), in the history
   * and, while it is current, in the current table. For content the server derives once the whole transaction is
   * known (src/fhir/repository: derived content); never for a committed version.
   */
  async rewriteContent(q: Queryable, v: StoredVersion): Promise<void> {
    await q.query(
      `WITH v AS (
         UPDATE resource_version SET content = $4 WHERE resource_type = $1 AND id = $2 AND version_id = $3)
       UPDATE resource SET content = $4 WHERE resource_type = $1 AND id = $2 AND version_id = $3`,
      [v.resourceType, v.id, v.versionId, v.resource ?? null],
    );
  },

  /**
   * A page of versions, newest first, filtered (type, time, access) in SQL before the LIMIT, so a page is full
   * whenever more versions are visible; paged by `seq` so that concurrent writes do not shift pages.
   */
  async history(q: Queryable, h: HistoryQuery): Promise<HistoryPage> {
    const sql = new SqlParams();
    const where = historyWhere(sql, h);
    let total: number | undefined;
    if (h.total) {
      const counted = await q.query<{ n: string }>(
        `SELECT count(*) AS n FROM resource_version v WHERE ${where.join(' AND ')}`,
        sql.values,
      );
      total = Number(counted.rows[0].n);
    }
    if (h.beforeSeq !== undefined) where.push(`v.seq < ${sql.add(h.beforeSeq)}`);
    const limit = Math.max(0, Math.floor(h.count));
    const res = await q.query<VersionRow>(
      `SELECT v.seq, v.resource_type, v.id, v.version_id, v.last_updated, v.deleted, v.method, v.content
       FROM resource_version v WHERE ${where.join(' AND ')} ORDER BY v.seq DESC LIMIT ${sql.add(limit + 1)}`,
      sql.values,
    );
    const rows = res.rows.slice(0, limit);
    const more = res.rows.length > limit && rows.length > 0;
    return {
      versions: rows.map(toVersion),
      // _count=0 asks for no entries (R4 search.html#count): a page that cannot advance has no next link.
      nextBeforeSeq: more && rows.length ? rows[rows.length - 1].seq : undefined,
      total,
    };
  },

  /** The database clock, so that lastUpdated is consistent across several service instances. */
  async now(q: Queryable): Promise<string> {
    const res = await q.query<{ now: Date }>('SELECT clock_timestamp() AS now');
    return res.rows[0].now.toISOString();
  },
};

export type ResourceStore = typeof resourceStore;

/** The WHERE clauses of a history query (exported for the plan test). */
export function historyWhere(sql: SqlParams, h: HistoryQuery): string[] {
  const where = ['true'];
  if (h.resourceType) where.push(`v.resource_type = ${sql.add(h.resourceType)}`);
  if (h.id) where.push(`v.id = ${sql.add(h.id)}`);
  if (h.types) where.push(`v.resource_type = ANY(${sql.add([...h.types])}::text[])`);
  if (h.excludeTypes?.length)
    where.push(`NOT (v.resource_type = ANY(${sql.add([...h.excludeTypes])}::text[]))`);
  if (h.since) where.push(`v.last_updated >= ${sql.add(h.since)}`);
  if (h.at) where.push(`v.last_updated <= ${sql.add(h.at)}`);
  if (h.access) where.push(accessSql(sql, h.access, 'v', 'version', h.resourceType));
  return where;
}
