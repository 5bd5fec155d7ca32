import type { JWK } from 'jose';
import type { Database } from './database';

// The signing_key table: the service's token signing keys (src/security/signing-keys.ts makes and uses them).

// Any constant: serialises key rotation when several instances notice an old key at the same moment.
const ROTATION_LOCK = 75132026;

export interface SigningKeyRow {
  kid: string;
  private_jwk: JWK;
  public_jwk: JWK;
  created_at: Date;
  retired_at: Date | null;
}

export interface NewSigningKey {
  kid: string;
  alg: string;
  privateJwk: JWK;
  publicJwk: JWK;
}

/** Every stored key, newest first. */
export async function loadSigningKeys(db: Database): Promise<SigningKeyRow[]> {
  const res = await db.pool.query<SigningKeyRow>(
    'SELECT kid, private_jwk, public_jwk, created_at, retired_at FROM signing_key ORDER BY created_at DESC',
  );
  return res.rows;
}

/**
 * Under the rotation lock: unless the current key is younger than `rotationMs` (another instance rotated while
 * this one waited; `force` skips that check), retires it and stores the key `make` creates. Retired keys older
 * than `keepRetiredS` are deleted. False when nothing was rotated.
 */
export async function rotateSigningKey(
  db: Database,
  options: { rotationMs: number; force: boolean; keepRetiredS: number },
  make: () => Promise<NewSigningKey>,
): Promise<boolean> {
  return db.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [ROTATION_LOCK]);
    const newest = await tx.query<{ age_ms: number }>(
      `SELECT EXTRACT(EPOCH FROM now() - created_at) * 1000 AS age_ms FROM signing_key
       WHERE retired_at IS NULL ORDER BY created_at DESC LIMIT 1`,
    );
    if (!options.force && newest.rows[0] && Number(newest.rows[0].age_ms) < options.rotationMs) return false;
    const key = await make();
    await tx.query('UPDATE signing_key SET retired_at = now() WHERE retired_at IS NULL');
    await tx.query('INSERT INTO signing_key (kid, alg, private_jwk, public_jwk) VALUES ($1, $2, $3, $4)', [
      key.kid,
      key.alg,
      JSON.stringify(key.privateJwk),
      JSON.stringify(key.publicJwk),
    ]);
    await tx.query(`DELETE FROM signing_key WHERE retired_at < now() - make_interval(secs => $1)`, [
      options.keepRetiredS,
    ]);
    return true;
  });
}
