import type { Queryable } from '../store/database';
import {
  abortSealRound,
  beginSealRound,
  endSealRound,
  sealedPage,
  strayAuditRow,
  unsealedBacklog,
  unsealedRows,
} from '../store/audit-log';
import { GENESIS_HASH, rowHash } from './audit-record';

/**
 * One sealing round on `client` (a connection of its own; the caller must be the only sealer: see
 * src/jobs/audit-sealer-job.ts). Returns how many rows it sealed.
 *
 * Chain order ≠ id order: a bigserial id is drawn at INSERT, but transactions commit in another order, so a row
 * with a lower id can become visible after a higher one was sealed. Instead, every round works in ONE snapshot
 * (REPEATABLE READ) and seals every committed row it sees that is not sealed yet, in (txid, id) order; the chain
 * order is the order of sealing. To find those rows without scanning the whole table, each seal row records the
 * round's horizon: the snapshot's xmin, the oldest transaction still in progress. Every transaction below it had
 * ended, so all its rows were visible then and are sealed now; a later round need look only at rows written by
 * transactions at or after the last horizon. A long transaction thus holds back how far back the scan starts,
 * not the sealing of rows committed meanwhile. Rows of a rolled-back transaction never become visible.
 */
export async function sealRound(client: Queryable, limit = 5000): Promise<number> {
  try {
    const { xmin, head } = await beginSealRound(client);
    const rows = await unsealedRows(client, head?.horizon ?? 0, limit);
    // A full batch may leave rows below xmin unsealed: the horizon then stays where it was.
    const horizon = rows.length === limit ? (head?.horizon ?? 0) : xmin;
    let previous: Buffer = head?.hash ?? GENESIS_HASH;
    let seq = head?.seq ?? 0;
    const seals = rows.map((row) => {
      previous = rowHash(previous, row);
      return { seq: ++seq, auditId: row.id, hash: previous };
    });
    await endSealRound(client, seals, horizon);
    return seals.length;
  } catch (err) {
    await abortSealRound(client);
    throw err;
  }
}

/** How far sealing lags: rows not sealed yet, and the age of the oldest in ms (the seal lag). */
export function sealLag(q: Queryable): Promise<{ count: number; oldestMs: number }> {
  return unsealedBacklog(q);
}

export type ChainCheck =
  | { ok: true; checked: number; unsealed: number }
  | { ok: false; checked: number; seq?: number; auditId?: number; reason: string; unsealed: number };

/**
 * Walks the sealed chain in order and returns the first broken link: a missing seal (gap in seq), a missing audit
 * row, or a row whose content no longer gives the recorded hash (altered row, or altered/re-ordered seal).
 * Also reports how many rows are not sealed yet.
 */
export async function verifyAuditLog(q: Queryable, batchSize = 1000): Promise<ChainCheck> {
  let previous: { seq: number; hash: Buffer } = { seq: 0, hash: GENESIS_HASH };
  let checked = 0;
  const unsealed = (await unsealedBacklog(q)).count;
  for (;;) {
    const page = await sealedPage(q, previous.seq, batchSize);
    for (const link of page) {
      const fail = (reason: string) =>
        ({ ok: false, checked, seq: link.seq, auditId: link.auditId, reason, unsealed }) as const;
      if (link.seq !== previous.seq + 1)
        return fail(`seal(s) ${previous.seq + 1}..${link.seq - 1} are missing`);
      if (!link.row) return fail('the audit record is missing');
      if (!rowHash(previous.hash, link.row).equals(link.hash))
        return fail('the audit record or its seal was altered (hash mismatch)');
      previous = { seq: link.seq, hash: link.hash };
      checked++;
    }
    if (page.length < batchSize) break;
  }
  const stray = await strayAuditRow(q);
  if (stray !== undefined)
    return { ok: false, checked, auditId: stray, reason: 'an audit record outside the chain', unsealed };
  return { ok: true, checked, unsealed };
}
