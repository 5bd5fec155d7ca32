import type { Resource } from '@medplum/fhirtypes';
import type { Queryable } from './database';

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
    const res = await q.query<VersionRow>(
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

  /** The newest version that has content (a deleted resource's last state), for access decisions on history. */
  async lastContent(q: Queryable, resourceType: string, id: string): Promise<Resource | undefined> {
    const res = await q.query<{ content: Resource }>(
      `SELECT content FROM resource_version WHERE resource_type = $1 AND id = $2 AND content IS NOT NULL
       ORDER BY version_id DESC LIMIT 1`,
      [resourceType, id],
    );
    return res.rows[0]?.content;
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
    await q.query(
      `INSERT INTO resource_version (resource_type, id, version_id, last_updated, deleted, method, content)
       VALUES ($1, $2, $3, $4, $5, $6, $7)`,
      params,
    );
    await q.query(
      `INSERT INTO resource (resource_type, id, version_id, last_updated, deleted, content)
       VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (resource_type, id) DO UPDATE SET version_id = EXCLUDED.version_id,
         last_updated = EXCLUDED.last_updated, deleted = EXCLUDED.deleted, content = EXCLUDED.content`,
      [v.resourceType, v.id, v.versionId, v.lastUpdated, v.deleted, v.resource ?? null],
    );
  },

  async history(q: Queryable, h: HistoryQuery): Promise<HistoryPage> {
    const where: string[] = [];
    const values: unknown[] = [];
    const add = (clause: string, value: unknown) => {
      values.push(value);
      where.push(clause.replace('?', `$${values.length}`));
    };
    if (h.resourceType) add('resource_type = ?', h.resourceType);
    if (h.id) add('id = ?', h.id);
    if (h.since) add('last_updated >= ?', h.since);
    if (h.at) add('last_updated <= ?', h.at);
    const filter = where.length ? `WHERE ${where.join(' AND ')}` : '';
    const total = Number(
      (await q.query<{ n: string }>(`SELECT count(*) AS n FROM resource_version ${filter}`, values)).rows[0]
        .n,
    );
    const pageWhere = h.beforeSeq
      ? `${filter ? `${filter} AND` : 'WHERE'} seq < $${values.length + 1}`
      : filter;
    const pageValues = h.beforeSeq ? [...values, h.beforeSeq] : values;
    const res = await q.query<VersionRow>(
      `SELECT seq, resource_type, id, version_id, last_updated, deleted, method, content FROM resource_version
       ${pageWhere} ORDER BY seq DESC LIMIT ${Math.max(0, Math.floor(h.count)) + 1}`,
      pageValues,
    );
    const rows = res.rows.slice(0, h.count);
    const more = res.rows.length > h.count;
    return {
      versions: rows.map(toVersion),
      nextBeforeSeq: more ? rows[rows.length - 1].seq : undefined,
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
