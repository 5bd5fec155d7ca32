import type {
  Extension,
  Organization,
  Provenance,
  ProvenanceAgent,
  Reference,
  Resource,
  Task,
} from '@medplum/fhirtypes';
import type { Caller } from '../../kernel/caller';
import { IdentifierSystem } from '../../domain/identifier-systems';
import { isZorgbehandelplan } from '../narrative/plan-graph';
import { isReferralTask } from '../validation/business-rules';

/** R5 Provenance.patient in R4 (cross-version extension): puts the Provenance under the plan's patient. */
const PROVENANCE_PATIENT = 'http://hl7.org/fhir/5.0/StructureDefinition/extension-Provenance.patient';
const DATA_OPERATION = 'http://terminology.hl7.org/CodeSystem/v3-DataOperation';
const PARTICIPANT_TYPE = 'http://terminology.hl7.org/CodeSystem/provenance-participant-type';
const OPERATIONS = {
  create: { code: 'CREATE', display: 'create' },
  update: { code: 'UPDATE', display: 'revise' },
  delete: { code: 'DELETE', display: 'delete' },
} as const;

/** One write the Provenance is about. */
export interface ProvenanceInput {
  resourceType: string;
  id: string;
  versionId: number;
  lastUpdated: string;
  interaction: keyof typeof OPERATIONS;
  caller: Caller;
  /** The written content (the previous one for a delete): whose patient the Provenance is about. */
  resource?: Resource;
  /** The Provenance the client sent in the X-Provenance header (reason, policy, its own agents). */
  sent?: Provenance;
  /** Versions the server wrote as effects of this write (a referral's request and zorgtraject): targets too. */
  effects?: readonly { resourceType: string; id: string; versionId: number }[];
  requestId: string;
  baseUrl: string;
}

/**
 * Whose write must leave a Provenance: the zorgbehandelplan, the record of care every HIS relies on, and a referral
 * Task (each decision with who took it and what it changed: issue 11).
 */
export const requiresProvenance = (resource: Resource | undefined): boolean =>
  resource !== undefined &&
  (isZorgbehandelplan(resource) || (resource.resourceType === 'Task' && isReferralTask(resource as Task)));

function organisation(caller: Caller): Reference<Organization> {
  const org = caller.organization;
  if (org.reference) return { reference: org.reference, type: 'Organization', display: org.name };
  const identifier = org.ura
    ? { system: IdentifierSystem.ura, value: org.ura }
    : org.agb
      ? { system: IdentifierSystem.agb, value: org.agb }
      : undefined;
  return { ...(identifier ? { identifier } : {}), type: 'Organization', display: org.name };
}

const agentType = (code: string) => ({ coding: [{ system: PARTICIPANT_TYPE, code }] });

/** The caller's organisation as author, its client software as enterer. */
function callerAgents(caller: Caller): ProvenanceAgent[] {
  return [
    { type: agentType('author'), who: organisation(caller) },
    { type: agentType('enterer'), who: { display: `${caller.clientName} (${caller.clientId})` } },
  ];
}

/**
 * The Provenance of a direct write: the version it is about, when, what was done (v3-DataOperation) and by whom
 * (the caller's organisation and client). What the client sent in X-Provenance (reason, policy, activity, more
 * agents such as the professional) is kept; target and recorded are always the server's.
 */
export function writeProvenance(input: ProvenanceInput): Provenance {
  const {
    id: _id,
    meta: _meta,
    text: _text,
    target: _target,
    recorded: _recorded,
    ...sent
  } = input.sent ?? ({ resourceType: 'Provenance' } as Provenance);
  const operation = OPERATIONS[input.interaction];
  const about = input.resource as { subject?: Reference; for?: Reference } | undefined;
  const subject = (about?.subject ?? about?.for)?.reference;
  const patient: Extension[] = subject?.startsWith('Patient/')
    ? [{ url: PROVENANCE_PATIENT, valueReference: { reference: subject, type: 'Patient' } }]
    : [];
  const others = (sent.extension ?? []).filter((e) => e.url !== PROVENANCE_PATIENT);
  const extension = [...others, ...patient];
  return {
    ...sent,
    ...(extension.length ? { extension } : {}),
    resourceType: 'Provenance',
    target: [input, ...(input.effects ?? [])].map((v) => ({
      reference: `${v.resourceType}/${v.id}/_history/${v.versionId}`,
      type: v.resourceType as Resource['resourceType'],
    })),
    recorded: input.lastUpdated,
    activity: sent.activity ?? { coding: [{ system: DATA_OPERATION, ...operation }] },
    agent: [...(sent.agent ?? []), ...callerAgents(input.caller)],
  };
}
