import {
  calculateJwkThumbprint,
  exportJWK,
  generateKeyPair,
  importJWK,
  type JWK,
  type JSONWebKeySet,
  type KeyLike,
} from 'jose';
import type { Database } from '../store/database';

export const TOKEN_ALG = 'ES384';
// Any constant: serialises key rotation when several instances notice an old key at the same moment.
const ROTATION_LOCK = 75132026;
// Another instance may have rotated; an unknown kid triggers a reload, but not more often than this.
const RELOAD_MIN_MS = 5_000;

interface KeyRow {
  kid: string;
  private_jwk: JWK;
  public_jwk: JWK;
  created_at: Date;
  retired_at: Date | null;
}

interface LoadedKey {
  kid: string;
  publicJwk: JWK;
  publicKey: KeyLike | Uint8Array;
  privateJwk: JWK;
  createdAt: number;
  retiredAt?: number;
}

/**
 * The service's access-token signing keys, kept in the database so that every instance signs and verifies with
 * the same set. A key signs tokens until it is `rotationMs` old; after retirement its public key is published
 * until every token it signed has expired (`tokenTtlMs`), and then it is deleted.
 */
export class SigningKeys {
  private keys: LoadedKey[] = [];
  private loadedAt = 0;

  constructor(
    private readonly db: Database,
    private readonly rotationMs: number,
    private readonly tokenTtlMs: number,
  ) {}

  /** Generates the first key on first start, or a new one when the current key is too old. */
  async init(): Promise<void> {
    await this.reload();
    if (this.needsRotation()) await this.rotate();
  }

  /** The key to sign new tokens with, rotating first when it has reached its age. */
  async signingKey(): Promise<{ kid: string; key: KeyLike | Uint8Array }> {
    if (this.needsRotation()) await this.rotate();
    const current = this.current() as LoadedKey;
    return { kid: current.kid, key: await importJWK(current.privateJwk, TOKEN_ALG) };
  }

  /** The public key for a token's kid, reloading once when another instance may have rotated. */
  async verificationKey(kid: string | undefined): Promise<KeyLike | Uint8Array | undefined> {
    if (!kid) return undefined;
    let key = this.published().find((k) => k.kid === kid);
    if (!key && Date.now() - this.loadedAt > RELOAD_MIN_MS) {
      await this.reload();
      key = this.published().find((k) => k.kid === kid);
    }
    return key?.publicKey;
  }

  /** The JWKS document: the current key and retired keys whose tokens may still be valid. */
  jwks(): JSONWebKeySet {
    return {
      keys: this.published().map((k) => ({ ...k.publicJwk, kid: k.kid, alg: TOKEN_ALG, use: 'sig' })),
    };
  }

  /** Starts a new key when the current one is old (or always, with `force`: e.g. a suspected compromise, which
   * also needs the old key deleted by hand). */
  async rotate(force = false): Promise<void> {
    await this.db.transaction(async (tx) => {
      await tx.query('SELECT pg_advisory_xact_lock($1)', [ROTATION_LOCK]);
      const newest = await tx.query<{ age_ms: number }>(
        `SELECT EXTRACT(EPOCH FROM now() - created_at) * 1000 AS age_ms FROM signing_key
         WHERE retired_at IS NULL ORDER BY created_at DESC LIMIT 1`,
      );
      // Another instance rotated while this one waited for the lock.
      if (!force && newest.rows[0] && Number(newest.rows[0].age_ms) < this.rotationMs) return;
      const { publicKey, privateKey } = await generateKeyPair(TOKEN_ALG, { extractable: true });
      const publicJwk = await exportJWK(publicKey);
      const kid = await calculateJwkThumbprint(publicJwk);
      await tx.query('UPDATE signing_key SET retired_at = now() WHERE retired_at IS NULL');
      await tx.query('INSERT INTO signing_key (kid, alg, private_jwk, public_jwk) VALUES ($1, $2, $3, $4)', [
        kid,
        TOKEN_ALG,
        JSON.stringify(await exportJWK(privateKey)),
        JSON.stringify(publicJwk),
      ]);
      // Private keys are not kept longer than needed; tokens they signed have all expired by now.
      await tx.query(`DELETE FROM signing_key WHERE retired_at < now() - make_interval(secs => $1)`, [
        this.tokenTtlMs / 1000 + 60,
      ]);
    });
    await this.reload();
  }

  private current(): LoadedKey | undefined {
    return this.keys.find((k) => k.retiredAt === undefined);
  }

  private needsRotation(): boolean {
    const current = this.current();
    return !current || Date.now() - current.createdAt >= this.rotationMs;
  }

  private published(): LoadedKey[] {
    const now = Date.now();
    // A small margin for clock skew between instances.
    return this.keys.filter((k) => k.retiredAt === undefined || now - k.retiredAt < this.tokenTtlMs + 60_000);
  }

  private async reload(): Promise<void> {
    const res = await this.db.pool.query<KeyRow>(
      'SELECT kid, private_jwk, public_jwk, created_at, retired_at FROM signing_key ORDER BY created_at DESC',
    );
    this.keys = await Promise.all(
      res.rows.map(async (row) => ({
        kid: row.kid,
        publicJwk: row.public_jwk,
        publicKey: await importJWK(row.public_jwk, TOKEN_ALG),
        privateJwk: row.private_jwk,
        createdAt: row.created_at.getTime(),
        retiredAt: row.retired_at?.getTime(),
      })),
    );
    this.loadedAt = Date.now();
  }
}
