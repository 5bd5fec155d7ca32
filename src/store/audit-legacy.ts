import type { Queryable } from './database';

/**
 * The audit trail before issue 9: AuditEvent resources linked by `audit_chain` (migration 003). Nothing writes it
 * any more; its records stay, and audit:verify still checks them.
 */
export interface LegacyChainRow {
  seq: number;
  audit_id: string;
  prev_hash: string;
  hash: string;
  version_content: Record<string, unknown> | null;
  current_content: Record<string, unknown> | null;
  current_deleted: boolean | null;
}

export async function legacyChainPage(
  q: Queryable,
  afterSeq: number,
  limit: number,
): Promise<LegacyChainRow[]> {
  const res = await q.query<LegacyChainRow>(
    `SELECT ac.seq, ac.audit_id, ac.prev_hash, ac.hash, rv.content AS version_content,
            r.content AS current_content, r.deleted AS current_deleted
     FROM audit_chain ac
     LEFT JOIN resource_version rv ON rv.resource_type = 'AuditEvent' AND rv.id = ac.audit_id AND rv.version_id = 1
     LEFT JOIN resource r ON r.resource_type = 'AuditEvent' AND r.id = ac.audit_id
     WHERE ac.seq > $1 ORDER BY ac.seq LIMIT $2`,
    [afterSeq, limit],
  );
  return res.rows;
}

/** An AuditEvent resource that is not in the legacy chain (none should exist). */
export async function legacyStray(q: Queryable): Promise<string | undefined> {
  const res = await q.query<{ id: string }>(
    `SELECT r.id FROM resource_version r WHERE r.resource_type = 'AuditEvent'
     AND NOT EXISTS (SELECT 1 FROM audit_chain ac WHERE ac.audit_id = r.id) LIMIT 1`,
  );
  return res.rows[0]?.id;
}
