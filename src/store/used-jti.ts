import type { Queryable } from './database';

/**
 * Records a client assertion's jti until `expiresAtS` (epoch seconds), in the database all instances share.
 * False when the client used this jti before (RFC 7523 §3 item 7: a jti once).
 */
export async function claimJti(
  q: Queryable,
  clientId: string,
  jti: string,
  expiresAtS: number,
): Promise<boolean> {
  const res = await q.query(
    `INSERT INTO used_jti (client_id, jti, expires_at) VALUES ($1, $2, to_timestamp($3))
     ON CONFLICT DO NOTHING RETURNING jti`,
    [clientId, jti, expiresAtS],
  );
  // Expired rows are useless (their assertions fail the exp check); prune now and then, not on every call.
  if (Math.random() < 0.01) await q.query('DELETE FROM used_jti WHERE expires_at < now()');
  return res.rowCount !== 0;
}
