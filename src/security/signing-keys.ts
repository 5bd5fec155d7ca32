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
import { loadSigningKeys, rotateSigningKey } from '../store/signing-keys';

export const TOKEN_ALG = 'ES384';
// Another instance may have rotated; an unknown kid triggers a reload, but not more often than this.
const RELOAD_MIN_MS = 5_000;

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
    // Private keys are not kept longer than needed: tokens a retired key signed have all expired by then.
    const keepRetiredS = this.tokenTtlMs / 1000 + 60;
    await rotateSigningKey(this.db, { rotationMs: this.rotationMs, force, keepRetiredS }, async () => {
      const { publicKey, privateKey } = await generateKeyPair(TOKEN_ALG, { extractable: true });
      const publicJwk = await exportJWK(publicKey);
      const kid = await calculateJwkThumbprint(publicJwk);
      return { kid, alg: TOKEN_ALG, privateJwk: await exportJWK(privateKey), publicJwk };
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
    const rows = await loadSigningKeys(this.db);
    this.keys = await Promise.all(
      rows.map(async (row) => ({
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
