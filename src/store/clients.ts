import type { JSONWebKeySet } from 'jose';
import type { OrganizationKind } from '../kernel/caller';
import type { Queryable } from './database';

// The client table: the registered backend-services clients (src/security/client-registry.ts decides who may use
// them; this is only their storage).

/** A registered backend-services client (SMART Backend Services: one client per system, per organisation). */
export interface ClientRecord {
  clientId: string;
  name: string;
  organization: { kind: OrganizationKind; name: string; ura?: string; agb?: string; reference?: string };
  /** Public keys only; the client signs its assertions with the private half. */
  jwks: JSONWebKeySet;
  /** Scopes the client may be granted, as SMART scope strings. */
  scopes: string[];
  /** Platform clients only: identifiable (non-pseudonymised) output was explicitly agreed. */
  identifiable: boolean;
  /** Demo clients have published private keys and are refused in production. */
  demo: boolean;
}

interface ClientRow {
  client_id: string;
  name: string;
  organization_kind: OrganizationKind;
  organization_name: string;
  organization_ura: string | null;
  organization_agb: string | null;
  organization_reference: string | null;
  jwks: JSONWebKeySet;
  scopes: string[];
  identifiable: boolean;
  demo: boolean;
}

function fromRow(row: ClientRow): ClientRecord {
  return {
    clientId: row.client_id,
    name: row.name,
    organization: {
      kind: row.organization_kind,
      name: row.organization_name,
      ura: row.organization_ura ?? undefined,
      agb: row.organization_agb ?? undefined,
      reference: row.organization_reference ?? undefined,
    },
    jwks: row.jwks,
    scopes: row.scopes,
    identifiable: row.identifiable,
    demo: row.demo,
  };
}

/** The client by client_id, as stored (whether it may be used is the registry's question). */
export async function findClient(q: Queryable, clientId: string): Promise<ClientRecord | undefined> {
  const res = await q.query<ClientRow>('SELECT * FROM client WHERE client_id = $1', [clientId]);
  return res.rows[0] ? fromRow(res.rows[0]) : undefined;
}

/** Upserts clients: the configuration is the source of truth for the clients it names. */
export async function seedClients(q: Queryable, clients: ClientRecord[]): Promise<void> {
  for (const c of clients) {
    await q.query(
      `INSERT INTO client (client_id, name, organization_kind, organization_name, organization_ura, organization_agb,
         organization_reference, jwks, scopes, identifiable, demo)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
       ON CONFLICT (client_id) DO UPDATE SET name = EXCLUDED.name, organization_kind = EXCLUDED.organization_kind,
         organization_name = EXCLUDED.organization_name, organization_ura = EXCLUDED.organization_ura,
         organization_agb = EXCLUDED.organization_agb, organization_reference = EXCLUDED.organization_reference,
         jwks = EXCLUDED.jwks, scopes = EXCLUDED.scopes, identifiable = EXCLUDED.identifiable, demo = EXCLUDED.demo,
         updated_at = now()`,
      [
        c.clientId,
        c.name,
        c.organization.kind,
        c.organization.name,
        c.organization.ura ?? null,
        c.organization.agb ?? null,
        c.organization.reference ?? null,
        JSON.stringify(c.jwks),
        c.scopes,
        c.identifiable,
        c.demo,
      ],
    );
  }
}
