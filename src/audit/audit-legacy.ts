import { createHash } from 'node:crypto';
import type { Queryable } from '../store/database';
import { legacyChainPage, legacyStray, type LegacyChainRow } from '../store/audit-legacy';
import { canonicalJson } from './audit-record';
import { PREVIOUS_HASH_URL } from './audit-event';

const GENESIS = '0'.repeat(64);

export type LegacyCheck =
  | { ok: true; checked: number }
  | { ok: false; checked: number; seq?: number; auditId?: string; reason: string };

const hashOf = (previous: string, event: unknown) =>
  createHash('sha256').update(previous).update('\n').update(canonicalJson(event)).digest('hex');

/**
 * Verifies the audit chain of before issue 9 (AuditEvent resources + audit_chain), unchanged in what it checks:
 * gaps, links, altered or missing AuditEvents (stored version or current copy), AuditEvents outside the chain.
 */
export async function verifyLegacyChain(q: Queryable, batchSize = 1000): Promise<LegacyCheck> {
  let previous = { seq: 0, hash: GENESIS };
  let checked = 0;
  for (;;) {
    const rows = await legacyChainPage(q, previous.seq, batchSize);
    for (const row of rows) {
      const broken = checkLink(previous, row);
      if (broken) return { ok: false, checked, seq: Number(row.seq), auditId: row.audit_id, reason: broken };
      previous = { seq: Number(row.seq), hash: row.hash };
      checked++;
    }
    if (rows.length < batchSize) break;
  }
  const stray = await legacyStray(q);
  if (stray) return { ok: false, checked, auditId: stray, reason: 'AuditEvent is not part of the chain' };
  return { ok: true, checked };
}

function checkLink(previous: { seq: number; hash: string }, row: LegacyChainRow): string | undefined {
  if (Number(row.seq) !== previous.seq + 1)
    return `record(s) ${previous.seq + 1}..${Number(row.seq) - 1} are missing`;
  if (row.prev_hash !== previous.hash) return 'prev_hash does not match the hash of the previous record';
  if (!row.version_content) return 'the AuditEvent is missing';
  const extension = row.version_content.extension as Array<{ url: string; valueString?: string }> | undefined;
  if (extension?.find((e) => e.url === PREVIOUS_HASH_URL)?.valueString !== row.prev_hash)
    return 'the AuditEvent does not carry the previous hash';
  if (hashOf(row.prev_hash, row.version_content) !== row.hash)
    return 'the AuditEvent was altered (hash mismatch)';
  if (
    !row.current_content ||
    row.current_deleted ||
    canonicalJson(row.current_content) !== canonicalJson(row.version_content)
  )
    return 'the current copy of the AuditEvent differs from its recorded version';
  return undefined;
}
