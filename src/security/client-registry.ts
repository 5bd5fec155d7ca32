import { LRUCache } from 'lru-cache';
import fs from 'node:fs';
import path from 'node:path';
import type { JSONWebKeySet } from 'jose';
import type { Queryable } from '../store/database';
import { findClient, type ClientRecord } from '../store/clients';
import { ORGANIZATION_KINDS, type Caller, type OrganizationKind } from '../kernel/caller';
import { parseScopes } from './scopes';
import type { SecurityConfig } from '../config';
import { isProduction } from './security-config';

const KINDS: readonly OrganizationKind[] = ORGANIZATION_KINDS;

const str = (value: unknown): value is string => typeof value === 'string' && value.length > 0;

/** Validates one client entry from a config file; `demo` forces the demo flag for examples/clients. */
export function parseClientConfig(raw: unknown, source: string, demo = false): ClientRecord {
  const fail = (why: string): never => {
    throw new Error(`Client configuration ${source}: ${why}`);
  };
  if (typeof raw !== 'object' || raw === null) return fail('not an object');
  const c = raw as Record<string, unknown>;
  const org = (c.organization ?? {}) as Record<string, unknown>;
  if (!str(c.clientId) || !/^[A-Za-z0-9._-]{1,100}$/.test(c.clientId))
    fail('clientId missing or not [A-Za-z0-9._-]');
  if (!str(c.name)) fail('name missing');
  if (!KINDS.includes(org.kind as OrganizationKind))
    fail(`organization.kind must be one of ${KINDS.join(', ')}`);
  if (!str(org.name)) fail('organization.name missing');
  if (org.kind !== 'admin' && org.kind !== 'platform' && !str(org.ura) && !str(org.agb)) {
    fail('a care provider needs organization.ura or organization.agb');
  }
  const jwks = c.jwks as JSONWebKeySet | undefined;
  if (!jwks || !Array.isArray(jwks.keys) || jwks.keys.length === 0) fail('jwks.keys missing');
  // A private key in the registry would let anyone with database access impersonate the client.
  if (jwks!.keys.some((k) => 'd' in k || (k.kty !== 'EC' && k.kty !== 'RSA')))
    fail('jwks must hold EC/RSA public keys');
  if (!Array.isArray(c.scopes) || !c.scopes.every(str)) fail('scopes must be an array of strings');
  return {
    clientId: c.clientId as string,
    name: c.name as string,
    organization: {
      kind: org.kind as OrganizationKind,
      name: org.name as string,
      ura: str(org.ura) ? org.ura : undefined,
      agb: str(org.agb) ? org.agb : undefined,
      reference: str(org.reference) ? org.reference : undefined,
    },
    jwks: jwks!,
    scopes: c.scopes as string[],
    identifiable: c.identifiable === true,
    demo: demo || c.demo === true,
  };
}

/** The demo clients (one per organisation kind): every examples/clients/*.json. */
export function loadDemoClients(dir: string): ClientRecord[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => parseClientConfig(JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')), f, true));
}

/** CLIENTS_FILE: one client object or an array of them. */
export function loadClientsFile(file: string): ClientRecord[] {
  const raw: unknown = JSON.parse(fs.readFileSync(file, 'utf8'));
  const list = Array.isArray(raw) ? raw : [raw];
  return list.map((c, i) => parseClientConfig(c, `${file}[${i}]`));
}

/** The clients configuration asks for: demo clients outside production, plus CLIENTS_FILE. */
export function configuredClients(config: SecurityConfig): ClientRecord[] {
  const demo = !isProduction(config) && config.demoClientsDir ? loadDemoClients(config.demoClientsDir) : [];
  const extra = config.clientsFile ? loadClientsFile(config.clientsFile) : [];
  return [...demo, ...extra];
}

// Short enough that a removed client or a rotated client key takes effect quickly, long enough to spare the
// database a query on every FHIR request.
const CACHE_MS = 30_000;
// Attackers choose client ids: the cache is bounded, and evicts the least recently used, not the busy clients.
const MAX_CACHED = 1000;

/** Looks clients up in the database, with a short cache; refuses demo clients in production. */
export class ClientRegistry {
  // Unknown ids are cached too (as no client), so a wrong id does not query on every request.
  private readonly cache = new LRUCache<string, { client?: ClientRecord }>({
    max: MAX_CACHED,
    ttl: CACHE_MS,
  });

  constructor(
    private readonly db: Queryable,
    private readonly config: SecurityConfig,
  ) {}

  /** The client, if registered and usable in this environment. */
  async find(clientId: string): Promise<ClientRecord | undefined> {
    const hit = this.cache.get(clientId);
    const client = hit ? hit.client : await this.load(clientId);
    if (client?.demo && isProduction(this.config)) return undefined;
    return client;
  }

  /** The client as a caller acting on its own (the system, no user), with every scope it is registered for. */
  async callerOf(clientId: string): Promise<Caller | undefined> {
    const client = await this.find(clientId);
    if (!client) return undefined;
    return {
      clientId: client.clientId,
      clientName: client.name,
      organization: { ...client.organization },
      scopes: parseScopes(client.scopes.join(' ')),
      pseudonymised: client.organization.kind === 'platform' && !client.identifiable,
    };
  }

  /** Forgets cached entries, e.g. after a key rotation by the client. */
  invalidate(clientId?: string): void {
    if (clientId) this.cache.delete(clientId);
    else this.cache.clear();
  }

  private async load(clientId: string): Promise<ClientRecord | undefined> {
    const client = await findClient(this.db, clientId);
    this.cache.set(clientId, { client });
    return client;
  }
}
