import { LRUCache } from 'lru-cache';
import { randomUUID } from 'node:crypto';
import { SignJWT, jwtVerify, type JWTPayload } from 'jose';
import type { Caller, GrantedScope } from '../kernel/caller';
import type { ClientRecord } from '../store/clients';
import { formatScope, parseScopes } from './scopes';
import { TOKEN_ALG, type SigningKeys } from './signing-keys';

/** The acting person (NEN 7513), as carried in the access token's `user` claim and in Caller.user. */
export type ActingUser = NonNullable<Caller['user']>;

/** Claims of the access tokens this service issues (RFC 9068 JWT profile for access tokens). */
export interface AccessTokenClaims extends JWTPayload {
  client_id: string;
  scope: string;
  user?: ActingUser;
}

export interface IssuedToken {
  accessToken: string;
  expiresIn: number;
  scope: string;
}

// Verifying an ES384 signature costs ~1 ms of CPU, and a client sends the same token on every request.
const MAX_VERIFIED = 10_000;

/** Signs and checks the service's own access tokens. `origin` is the service's public origin. */
export class AccessTokens {
  /** Tokens whose signature and claims were verified, by origin + token: the exact bytes, so the same result. */
  private readonly verified = new LRUCache<string, { claims: AccessTokenClaims; kid?: string }>({
    max: MAX_VERIFIED,
  });

  constructor(
    private readonly keys: SigningKeys,
    private readonly ttlSeconds: number,
    private readonly fhirPath: string,
  ) {}

  async issue(
    origin: string,
    client: ClientRecord,
    scopes: GrantedScope[],
    user?: ActingUser,
  ): Promise<IssuedToken> {
    const { kid, key } = await this.keys.signingKey();
    const scope = scopes.map(formatScope).join(' ');
    const claims: AccessTokenClaims = { client_id: client.clientId, scope, ...(user ? { user } : {}) };
    const accessToken = await new SignJWT(claims)
      .setProtectedHeader({ alg: TOKEN_ALG, kid, typ: 'at+jwt' })
      .setIssuer(origin)
      .setSubject(client.clientId)
      .setAudience(origin + this.fhirPath)
      .setIssuedAt()
      .setExpirationTime(`${this.ttlSeconds}s`)
      .setJti(randomUUID())
      .sign(key);
    return { accessToken, expiresIn: this.ttlSeconds, scope };
  }

  /**
   * Verifies signature, issuer, audience, expiry and type; throws a jose error when any fails. A token verified
   * before is not verified again: its signature and claims cannot have changed. What can change is checked on
   * every use: expiry (and not-before) against the clock, and that its signing key is still published.
   */
  async verify(origin: string, token: string): Promise<AccessTokenClaims> {
    const key = `${origin}\n${token}`;
    const hit = this.verified.get(key);
    if (hit) {
      // The same tolerances as jwtVerify below (clockTolerance 5 s).
      const now = Date.now() / 1000;
      const { exp, nbf } = hit.claims;
      const timely = (exp as number) > now - 5 && (nbf === undefined || nbf <= now + 5);
      if (timely && (await this.keys.verificationKey(hit.kid))) return hit.claims;
      // Expired or its key withdrawn: the full check below fails with the right error.
      this.verified.delete(key);
    }
    const verified = await this.verifyFully(origin, token);
    // Only valid tokens are kept, so only clients can add entries; bounded all the same (least recently used go).
    this.verified.set(key, verified);
    return verified.claims;
  }

  private async verifyFully(
    origin: string,
    token: string,
  ): Promise<{ claims: AccessTokenClaims; kid?: string }> {
    const { payload, protectedHeader } = await jwtVerify<AccessTokenClaims>(
      token,
      async (header) => {
        const key = await this.keys.verificationKey(header.kid);
        if (!key) throw new Error('unknown signing key');
        return key;
      },
      {
        algorithms: [TOKEN_ALG],
        issuer: origin,
        audience: origin + this.fhirPath,
        typ: 'at+jwt',
        requiredClaims: ['exp', 'sub', 'client_id', 'scope'],
        clockTolerance: 5,
      },
    );
    if (payload.sub !== payload.client_id) throw new Error('sub and client_id differ');
    return { claims: payload, kid: protectedHeader.kid };
  }
}

/** The Caller for a verified token: organisation from the registry (authoritative now), scopes and user from the token. */
export function callerFrom(client: ClientRecord, claims: AccessTokenClaims): Caller {
  return {
    clientId: client.clientId,
    clientName: client.name,
    organization: { ...client.organization },
    scopes: parseScopes(claims.scope),
    user: claims.user,
    // Issue 5: platform output is pseudonymised unless the client is explicitly configured as identifiable.
    pseudonymised: client.organization.kind === 'platform' && !client.identifiable,
  };
}
