import type { AuditEvent, AuditEventAgent, AuditEventEntity, Coding } from '@medplum/fhirtypes';
import type { AuditEntry, RequestContext } from '../kernel/request-context';
import type { Caller } from '../kernel/caller';
import {
  AGB_SYSTEM,
  BSN_SYSTEM,
  CLIENT_ID_SYSTEM,
  SERVICE_SYSTEM,
  URA_SYSTEM,
  UZI_ROLE_SYSTEM,
} from '../security/naming-systems';

export { BSN_SYSTEM, CLIENT_ID_SYSTEM } from '../security/naming-systems';
/** Each AuditEvent carries the chain hash of the one before it (see audit-trail.ts). */
export const PREVIOUS_HASH_URL = 'https://meso-zorg.nl/fhir/StructureDefinition/audit-previous-hash';

const DCM = 'http://dicom.nema.org/resources/ontology/DCM';
const RESTFUL = 'http://hl7.org/fhir/restful-interaction';
const ENTITY_TYPE = 'http://terminology.hl7.org/CodeSystem/audit-entity-type';
const OBJECT_ROLE = 'http://terminology.hl7.org/CodeSystem/object-role';
// IHE BALP: the request id as an entity, so a log line and its AuditEvent can be matched.
const BALP_ENTITY = 'http://hl7.org/fhir/uv/ihe-basic-audit-log/CodeSystem/BasicAuditEntityType';

const RESTFUL_INTERACTIONS = new Set([
  'read',
  'vread',
  'update',
  'patch',
  'delete',
  'history',
  'history-instance',
  'history-type',
  'history-system',
  'create',
  'search',
  'search-type',
  'search-system',
  'capabilities',
  'transaction',
  'batch',
  'operation',
]);

export interface AuditedPatient {
  id: string;
  bsn?: string;
}

export interface AuditEventInput {
  id: string;
  recorded: string;
  /** The old design's chain link inside the event; the audit table keeps its links in audit_seal. */
  previousHash?: string;
  ctx: RequestContext;
  entry: AuditEntry;
  patients: AuditedPatient[];
  /** Client IP address, when known. */
  network?: string;
  serviceId: string;
}

// Control characters (except tab and newlines) and unpaired surrogates.
/* eslint-disable no-control-regex */
const UNSAFE =
  /[\u0000-\u0008\u000b\u000c\u000e-\u001f]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;
/* eslint-enable no-control-regex */

/** Descriptions may quote request input; jsonb refuses NUL and lone surrogates, which would lose the record. */
export function safeText(text: string): string {
  return text.replace(UNSAFE, '\ufffd').slice(0, 1000);
}

const isAuthentication = (interaction: string) => interaction === 'token' || interaction === 'auth-failure';

/** NEN 7513 → AuditEvent (R4): what happened, when, for whom, by whom, on whose behalf, and the outcome. */
export function buildAuditEvent(input: AuditEventInput): AuditEvent {
  const { entry } = input;
  return {
    resourceType: 'AuditEvent',
    id: input.id,
    meta: { versionId: '1', lastUpdated: input.recorded },
    ...(input.previousHash !== undefined
      ? { extension: [{ url: PREVIOUS_HASH_URL, valueString: input.previousHash }] }
      : {}),
    type: isAuthentication(entry.interaction)
      ? { system: DCM, code: '110114', display: 'User Authentication' }
      : { system: DCM, code: '110110', display: 'Patient Record' },
    subtype: [subtype(entry.interaction)],
    action: entry.action,
    recorded: input.recorded,
    // R4 audit-event-outcome: 0 success, 4 minor failure (refused or invalid request).
    outcome: entry.outcome === 'success' ? '0' : '4',
    ...(entry.description ? { outcomeDesc: safeText(entry.description) } : {}),
    agent: agents(entry, input.ctx.caller, input.network),
    source: {
      site: 'meso-fhir',
      observer: {
        identifier: { system: SERVICE_SYSTEM, value: input.serviceId },
        display: 'MESO FHIR-service',
      },
      type: [
        {
          system: 'http://terminology.hl7.org/CodeSystem/security-source-type',
          code: '4',
          display: 'Application Server',
        },
      ],
    },
    entity: entities(input),
  };
}

function subtype(interaction: string): Coding {
  if (RESTFUL_INTERACTIONS.has(interaction)) return { system: RESTFUL, code: interaction };
  if (isAuthentication(interaction)) return { system: DCM, code: '110122', display: 'Login' };
  return { system: RESTFUL, code: 'operation', display: interaction };
}

/** The acting person (requestor) when known, otherwise the client system is the requestor; plus the organisation. */
function agents(entry: AuditEntry, ctxCaller: Caller | undefined, network?: string): AuditEventAgent[] {
  // The FHIR layer's entries leave the caller to the request context; the token endpoint sets its own.
  const caller = entry.caller ?? ctxCaller;
  const net = network ? { network: { address: network, type: '2' as const } } : {};
  if (!caller) {
    return [
      {
        type: { coding: [{ system: DCM, code: '110150', display: 'Application' }] },
        who: { display: 'unauthenticated client' },
        requestor: true,
        ...net,
      },
    ];
  }
  const result: AuditEventAgent[] = [];
  const user = caller.user;
  if (user) {
    result.push({
      type: {
        coding: [
          {
            system: 'http://terminology.hl7.org/CodeSystem/extra-security-role-type',
            code: 'humanuser',
            display: 'human user',
          },
        ],
      },
      who: {
        ...(user.id
          ? { identifier: { ...(user.system ? { system: user.system } : {}), value: user.id } }
          : {}),
        ...(user.name ? { display: user.name } : {}),
      },
      ...(user.role ? { role: [{ coding: [{ system: UZI_ROLE_SYSTEM, code: user.role }] }] } : {}),
      requestor: true,
    });
  }
  result.push({
    type: { coding: [{ system: DCM, code: '110150', display: 'Application' }] },
    who: { identifier: { system: CLIENT_ID_SYSTEM, value: caller.clientId }, display: caller.clientName },
    requestor: !user,
    ...net,
  });
  const org = caller.organization;
  const orgId = org.ura
    ? { system: URA_SYSTEM, value: org.ura }
    : org.agb
      ? { system: AGB_SYSTEM, value: org.agb }
      : undefined;
  result.push({
    // On whose behalf (NEN 7513 "verantwoordelijke"): the care provider organisation.
    type: {
      coding: [
        {
          system: 'http://terminology.hl7.org/CodeSystem/v3-RoleClass',
          code: 'PROV',
          display: 'healthcare provider',
        },
      ],
    },
    who: {
      ...(org.reference ? { reference: org.reference } : {}),
      ...(orgId ? { identifier: orgId } : {}),
      display: org.name,
    },
    requestor: false,
  });
  return result;
}

function entities(input: AuditEventInput): AuditEventEntity[] {
  const { entry } = input;
  const result: AuditEventEntity[] = input.patients.map((p) => ({
    what: {
      reference: `Patient/${p.id}`,
      ...(p.bsn ? { identifier: { system: BSN_SYSTEM, value: p.bsn } } : {}),
    },
    type: { system: ENTITY_TYPE, code: '1', display: 'Person' },
    role: { system: OBJECT_ROLE, code: '1', display: 'Patient' },
  }));
  for (const ref of entry.entities) {
    result.push({
      what: { reference: ref },
      type: { system: ENTITY_TYPE, code: '2', display: 'System Object' },
      role: { system: OBJECT_ROLE, code: '4', display: 'Domain Resource' },
    });
  }
  if (entry.query !== undefined) {
    result.push({
      type: { system: ENTITY_TYPE, code: '2', display: 'System Object' },
      role: { system: OBJECT_ROLE, code: '24', display: 'Query' },
      query: Buffer.from(entry.query, 'utf8').toString('base64'),
    });
  }
  result.push({
    what: { identifier: { value: input.ctx.requestId } },
    type: { system: BALP_ENTITY, code: 'XrequestId', display: 'HTTP X-Request-ID' },
  });
  return result;
}
