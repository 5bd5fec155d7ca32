import { createHash } from 'node:crypto';
import type { AuditEvent, Patient, Resource } from '@medplum/fhirtypes';
import type { AuditEntry, RequestContext } from '../kernel/request-context';
import type { AuditRow, AuditRowInput } from '../store/audit-log';
import type { Caller } from '../kernel/caller';
import { buildAuditEvent, safeText, type AuditedPatient } from './audit-event';
import { BSN_SYSTEM } from '../security/naming-systems';
import { storedPatientsAbout } from '../fhir/search/compartment';
import { localTarget } from '../kernel/reference';

/**
 * One audit row ⇄ one AuditEvent. The row keeps the NEN 7513 look-up keys as columns (client, organisation,
 * user, patients) and the rest, in short keys, in `detail`; the AuditEvent is rebuilt from it on demand with the
 * same builder, so what admins read is what the old design stored.
 */
interface Detail {
  /** entities as Type/id[/_history/n] */ e: string[];
  /** patients with BSN */ p: AuditedPatient[];
  /** request id */ r: string;
  /** service id */ s: string;
  /** the caller, without its scopes */ c?: Pick<Caller, 'clientId' | 'clientName' | 'organization' | 'user'>;
  q?: string;
  /** the query, base64, when it holds characters jsonb refuses (NUL, lone surrogates) */ qb?: string;
  d?: string;
  n?: string;
}

export function auditRow(
  ctx: RequestContext,
  entry: AuditEntry,
  patients: AuditedPatient[],
  serviceId: string,
  network?: string,
): AuditRowInput {
  const caller = entry.caller ?? ctx.caller;
  const org = caller?.organization;
  const detail: Detail = {
    e: entry.entities,
    p: patients,
    r: ctx.requestId,
    s: serviceId,
    ...(caller
      ? {
          c: {
            clientId: caller.clientId,
            clientName: caller.clientName,
            organization: org!,
            user: caller.user,
          },
        }
      : {}),
    ...(entry.query === undefined
      ? {}
      : safeText(entry.query) === entry.query && entry.query.length <= 1000
        ? { q: entry.query }
        : { qb: Buffer.from(entry.query, 'utf8').toString('base64') }),
    ...(entry.description ? { d: safeText(entry.description) } : {}),
    ...(network ? { n: network } : {}),
  };
  return {
    action: entry.action,
    interaction: entry.interaction,
    outcome: entry.outcome,
    clientId: caller?.clientId,
    orgId: org?.ura ?? org?.agb,
    userId: caller?.user?.id,
    patientIds: patients.map((p) => p.id),
    // Through JSON: jsonb refuses NUL and lone surrogates; the builder's safeText is applied on the way out.
    detail: detail as unknown as Record<string, unknown>,
  };
}

/** The AuditEvent of a stored row (the chain link, when sealed, is in audit_seal, not in the event). */
export function auditEventOf(row: AuditRow): AuditEvent {
  const d = row.detail as unknown as Detail;
  const caller = d.c ? ({ ...d.c, scopes: [], pseudonymised: false } as Caller) : undefined;
  return buildAuditEvent({
    id: String(row.id),
    recorded: row.recorded.toISOString(),
    ctx: { requestId: d.r, baseUrl: '', caller },
    entry: {
      action: row.action as AuditEntry['action'],
      interaction: row.interaction,
      outcome: row.outcome as AuditEntry['outcome'],
      caller,
      entities: d.e,
      query: d.qb !== undefined ? Buffer.from(d.qb, 'base64').toString('utf8') : d.q,
      description: d.d,
    },
    patients: d.p,
    network: d.n,
    serviceId: d.s,
  });
}

// ---- the chain -----------------------------------------------------------------------------------------------

export const GENESIS_HASH = Buffer.alloc(32);

/** JSON with object keys sorted, so that the hash does not depend on jsonb's key order. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value instanceof Date) return JSON.stringify(value.toISOString());
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** sha256(previous hash ‖ '\n' ‖ the row's content in canonical JSON). Every stored column counts but txid. */
export function rowHash(previous: Buffer, row: AuditRow): Buffer {
  const { txid: _txid, ...content } = row;
  return createHash('sha256').update(previous).update('\n').update(canonicalJson(content)).digest();
}

// ---- whom an access is about ---------------------------------------------------------------------------------

export interface VersionRef {
  t: string;
  i: string;
  v: number | null;
}

export function parseRef(ref: string): VersionRef | undefined {
  const target = localTarget(ref);
  if (!target) return undefined;
  if (target.versionId === undefined) return { t: target.resourceType, i: target.id, v: null };
  // Versions this service assigns are integers (the column is int4).
  const v = Number(target.versionId);
  return Number.isInteger(v) && v > 0 && v <= 2147483647
    ? { t: target.resourceType, i: target.id, v }
    : undefined;
}

export const refKey = (r: VersionRef) => (r.v === null ? `${r.t}/${r.i}` : `${r.t}/${r.i}/_history/${r.v}`);

/** The patients these references are about (a Patient itself, or the subject of what it names), with BSN. */
export function patientsOf(
  refs: readonly string[],
  contents: ReadonlyMap<string, Resource>,
  patients: ReadonlyMap<string, Patient>,
): AuditedPatient[] {
  const ids = new Set<string>();
  for (const key of refs.map(parseRef)) {
    if (!key) continue;
    if (key.t === 'Patient') ids.add(key.i);
    const content = contents.get(refKey(key));
    for (const id of content ? storedPatientsAbout(content) : []) ids.add(id);
  }
  const bsn = (id: string) => patients.get(id)?.identifier?.find((i) => i.system === BSN_SYSTEM)?.value;
  return [...ids].sort().map((id) => ({ id, ...(bsn(id) ? { bsn: bsn(id) } : {}) }));
}
