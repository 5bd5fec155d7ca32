import { canonical } from './canonical';

/** Task-based referral (aanmelding, escalatie, ELV-aanvraag): profiles/meso/StructureDefinition-meso-referral-task.json. */
export const REFERRAL_TASK_PROFILE = canonical('StructureDefinition', 'meso-referral-task');
/** What a referral asks (its Task's focus): profiles/meso/StructureDefinition-meso-referral-servicerequest.json. */
export const REFERRAL_REQUEST_PROFILE = canonical('StructureDefinition', 'meso-referral-servicerequest');
export const REFERRAL_KIND_SYSTEM = canonical('CodeSystem', 'referral-kind');
export const REJECTION_REASON_SYSTEM = canonical('CodeSystem', 'referral-rejection-reason');
/** The rejection reason that needs a free-text explanation. */
export const REJECTION_REASON_OTHER = 'overig';

export interface ReferralDecision {
  /** The Task status. */
  status: string;
  /** Codes of the status reason taken from REJECTION_REASON_SYSTEM. */
  rejectionReasonCodes: readonly string[];
  /** The status reason's free text. */
  reasonText?: string;
}

/**
 * Why a referral decision breaks the domain rule, or undefined. The Drenthe pilots' pain point was
 * rejections without a clear reason, so a rejection always carries a coded reason, and `overig` a text too.
 */
export function rejectionProblem(decision: ReferralDecision): string | undefined {
  const { status, rejectionReasonCodes, reasonText } = decision;
  if (status === 'rejected' && rejectionReasonCodes.length === 0) {
    return `A rejected referral needs a statusReason coded from ${REJECTION_REASON_SYSTEM}`;
  }
  if (rejectionReasonCodes.includes(REJECTION_REASON_OTHER) && !reasonText?.trim()) {
    return `Rejection reason '${REJECTION_REASON_OTHER}' needs an explanation in statusReason.text`;
  }
  return undefined;
}

/** The referral Task statuses the workflow uses (a subset of FHIR's TaskStatus). */
export const REFERRAL_STATUSES = [
  'requested',
  'received',
  'accepted',
  'rejected',
  'in-progress',
  'on-hold',
  'completed',
  'failed',
  'cancelled',
] as const;
export type ReferralStatus = (typeof REFERRAL_STATUSES)[number];

/** Who changes a referral: the organisation it is addressed to, or the one that sent it. */
export type ReferralParty = 'owner' | 'requester';

/** The owner's transitions (issue 11, as Nictiz ELZ / Shared Care Planning); a final status has none. */
const OWNER_NEXT: Readonly<Record<ReferralStatus, readonly ReferralStatus[]>> = {
  requested: ['received'],
  received: ['accepted', 'rejected'],
  accepted: ['in-progress'],
  'in-progress': ['completed', 'failed', 'on-hold'],
  'on-hold': ['in-progress'],
  rejected: [],
  completed: [],
  failed: [],
  cancelled: [],
};

/** The requester may withdraw its referral any time before it ends. */
const CANCELLABLE: readonly ReferralStatus[] = [
  'requested',
  'received',
  'accepted',
  'in-progress',
  'on-hold',
];

const isReferralStatus = (status: string): status is ReferralStatus => status in OWNER_NEXT;

/** Every new referral starts here; its owner moves it along (a sender cannot post a decision). */
export const INITIAL_STATUS: ReferralStatus = 'requested';

/** Why a new referral in `status` may not be posted, or undefined. */
export function startProblem(status: string): string | undefined {
  if (status === INITIAL_STATUS) return undefined;
  return (
    `A new referral Task starts in status '${INITIAL_STATUS}' (this one has '${status}'); ` +
    `its owner then moves it along (${OWNER_NEXT[INITIAL_STATUS].join(', ')}), and its requester may cancel it`
  );
}

/** The statuses a referral may move to from `status` (by anyone), in a stable order; none when it has ended. */
export function nextStatuses(status: string): ReferralStatus[] {
  if (!isReferralStatus(status)) return [];
  return [...OWNER_NEXT[status], ...(CANCELLABLE.includes(status) ? (['cancelled'] as const) : [])];
}

/** Who may make the transition `from` → `to`: the owner moves the work along, the requester may only cancel. */
export function transitionParty(from: string, to: string): ReferralParty | undefined {
  if (!isReferralStatus(from)) return undefined;
  if ((OWNER_NEXT[from] as readonly string[]).includes(to)) return 'owner';
  if (to === 'cancelled' && CANCELLABLE.includes(from)) return 'requester';
  return undefined;
}

/** Why `from` → `to` is not a transition, naming the allowed next statuses; undefined when it is one. */
export function transitionProblem(from: string, to: string): string | undefined {
  if (from === to || transitionParty(from, to)) return undefined;
  if (!isReferralStatus(from))
    return `A referral Task in status '${from}' is outside the referral workflow (${Object.keys(OWNER_NEXT).join(', ')}), so it cannot go to '${to}'`;
  const next = nextStatuses(from);
  const allowed = next.length
    ? `from '${from}' it may go to: ${next.join(', ')}`
    : `'${from}' is final, so its status no longer changes`;
  return `A referral Task cannot go from '${from}' to '${to}'; ${allowed}`;
}

/** The elements of a referral Task its owner may change (besides meta, text and lastModified, server-kept). */
export const OWNER_MUTABLE = [
  'status',
  'statusReason',
  'businessStatus',
  'executionPeriod',
  'owner',
  'note',
  'output',
] as const;

/** The requester may cancel, saying why: status (to cancelled), statusReason and note. */
export const REQUESTER_MUTABLE = ['status', 'statusReason', 'note'] as const;

// --- Effects of a transition (issue 11): what the referral's decision does to its request and the zorgtraject.

export const REFERRAL_OUTPUT_SYSTEM = canonical('CodeSystem', 'referral-output');
/** Task.output.type of the place a CTV offers for an accepted ELV request. */
export const OFFERED_PLACE = 'aangeboden-plek';

/** The referral kinds (CodeSystem referral-kind). */
export const REFERRAL_KIND = {
  aanmelding: 'aanmelding-meso-team',
  escalatieAdvies: 'escalatie-advies',
  escalatieDiagnostiek: 'escalatie-aanvullende-diagnostiek',
  escalatieMedebehandeling: 'escalatie-medebehandeling',
  elv: 'elv-aanvraag',
} as const;

/** ServiceRequest statuses a referral's workflow sets (a subset of FHIR's RequestStatus). */
export type RequestStatus = 'active' | 'on-hold' | 'completed' | 'revoked';

const REQUEST_STATUS: Readonly<Partial<Record<string, RequestStatus>>> = {
  accepted: 'active',
  'in-progress': 'active',
  'on-hold': 'on-hold',
  completed: 'completed',
  rejected: 'revoked',
  failed: 'revoked',
  cancelled: 'revoked',
};

/**
 * The status the referral's ServiceRequest takes when its Task reaches `taskStatus`; undefined: it stays as it is
 * (requested, received: nothing is decided yet). Rejected, failed and cancelled end what was asked: revoked.
 */
export const requestStatusFor = (taskStatus: string): RequestStatus | undefined => REQUEST_STATUS[taskStatus];

/** A participant of the zorgtraject's CareTeam, as a zib ZorgverlenerRol code (v3-ParticipationType) and a text. */
export interface TeamRole {
  code: 'REF' | 'CON' | 'ATND';
  text: string;
}

/** What accepting a referral does to the patient's zorgtraject. */
export interface AcceptanceEffect {
  /** open: an aanmelding starts a zorgtraject when the patient has none open; extend: only an open one is linked. */
  episode: 'open' | 'extend';
  /** Which organisation of the Task joins the zorgtraject's CareTeam, in which role; none for an ELV request. */
  joins?: { party: ReferralParty; role: TeamRole };
}

const CONSULTED: TeamRole = { code: 'CON', text: 'Behandelnetwerk (consultatie)' };
const ACCEPTANCE: Readonly<Record<string, AcceptanceEffect>> = {
  // The referring VVT or GP stays involved in the trajectory it asked for.
  [REFERRAL_KIND.aanmelding]: {
    episode: 'open',
    joins: { party: 'requester', role: { code: 'REF', text: 'Verwijzer' } },
  },
  // The behandelnetwerk that accepted an escalation joins the team: consulted, or treating alongside.
  [REFERRAL_KIND.escalatieAdvies]: { episode: 'extend', joins: { party: 'owner', role: CONSULTED } },
  [REFERRAL_KIND.escalatieDiagnostiek]: { episode: 'extend', joins: { party: 'owner', role: CONSULTED } },
  [REFERRAL_KIND.escalatieMedebehandeling]: {
    episode: 'extend',
    joins: { party: 'owner', role: { code: 'ATND', text: 'Behandelnetwerk (medebehandeling)' } },
  },
  // The ELV stay is an Encounter of its own; the zorgtraject only records that it was asked for.
  [REFERRAL_KIND.elv]: { episode: 'extend' },
};

/** What accepting a referral of `kind` does to the zorgtraject; undefined for a kind outside referral-kind. */
export const acceptanceEffect = (kind: string): AcceptanceEffect | undefined => ACCEPTANCE[kind];

/** One Task.output, as the acceptance rule needs it. */
export interface ReferralOutput {
  /** Its type is coded OFFERED_PLACE from REFERRAL_OUTPUT_SYSTEM. */
  offeredPlace: boolean;
  /** Its value is a reference to a Location. */
  location: boolean;
  /** Its valueString. */
  text?: string;
}

/**
 * Why accepting a referral of `kind` with these outputs breaks the rule, or undefined. An accepted ELV request
 * must say which place is offered (a Location, or a typed description of the bed), so that the requester can
 * arrange the transfer without calling the CTV.
 */
export function acceptanceProblem(kind: string, outputs: readonly ReferralOutput[]): string | undefined {
  if (kind !== REFERRAL_KIND.elv) return undefined;
  if (outputs.some((o) => o.location || (o.offeredPlace && !!o.text?.trim()))) return undefined;
  return (
    `Accepting an ELV request (${REFERRAL_KIND.elv}) needs the offered place in Task.output, in the same update: ` +
    `an output with type ${REFERRAL_OUTPUT_SYSTEM}|${OFFERED_PLACE} and valueReference to the Location ` +
    `(e.g. Location/…) or valueString describing the bed (e.g. "ELV-bed kamer 12, Zorgcentrum De Es, Assen")`
  );
}
