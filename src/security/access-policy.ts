import { LRUCache } from 'lru-cache';
import type { Consent, Identifier, Reference, Resource } from '@medplum/fhirtypes';
import type { Queryable } from '../store/database';
import type { AccessRestriction, ReferenceRule } from '../kernel/access-restriction';
import { isReferencedBy } from '../store/search/access-sql';
import { indexKey, type IndexRow } from '../store/lookups/lookup';
import { patientsAmong } from '../store/access-relations';
import { subscriptionOwner } from '../store/subscriptions';
import {
  organizationsWithIdentifier,
  rolesNamePractitioner,
  rolesOfOrganization,
} from '../store/access-party';
import type { Interaction, RequestContext, WriteChange } from '../kernel/request-context';
import type { AccessGuard } from '../fhir/ports';
import { SUPPORTED_TYPES } from '../kernel/resource-types';
import { FhirError, issue } from '../kernel/outcome';
import type { Caller, OrganizationKind } from '../kernel/caller';
import { checkScope } from './scopes';
import { writeRefusal, type WriteRule } from './refusal';
import { PATIENT_REFERENCE_PARAMS, patientCompartment, patientsAbout } from '../fhir/search/compartment';
import { relationKeys, type PatientSource } from '../fhir/access/care-relations';
import { referenceRows } from '../fhir/search/param-values';
import { localTarget } from '../kernel/reference';
import {
  referenceNames,
  referencePatterns,
  referencesAt,
  type Party,
} from '../fhir/access/patient-compartment';
import { isPrivacyConsent } from '../fhir/access/patient-objection';
import { AGB_SYSTEM, URA_SYSTEM } from './naming-systems';
import { CLINICAL_TYPES, DIRECTORY_TYPES } from '../kernel/resource-types';

export { URA_SYSTEM, AGB_SYSTEM } from './naming-systems';

/** A write is allowed when ANY of the rules listed for its type and interaction holds (WriteRule: refusal.ts). */
type WriteRules = Partial<Record<WriteChange['interaction'], WriteRule[]>>;

interface KindPolicy {
  /** How a patient becomes the organisation's (the care relation rows, src/fhir/access/care-relations.ts). */
  patients: PatientSource[];
  /** Patients of whom only the Patient resource is visible (AccessRestriction.demographics). */
  demographics: PatientSource[];
  /** Types visible at all (directory types always are); every other type is hidden, even in a compartment. */
  visible: readonly string[];
  /** Referrals the organisation takes part in stay visible through the reference to it. */
  referrals: boolean;
  /**
   * Of the referrals (Task, ServiceRequest) only those it takes part in are visible, not every referral of its
   * patients: Tasks naming it as owner or requester, ServiceRequests naming it or the focus of such a Task.
   */
  ownReferralsOnly?: boolean;
  writes: Partial<Record<string, WriteRules>>;
}

const CLINICAL_WRITE: WriteRules = {
  create: ['own-patient'],
  update: ['own-patient'],
  delete: ['own-patient'],
};
const OWN_SUBSCRIPTION: WriteRules = { create: ['any'], update: ['any'], delete: ['any'] };
const REFERRAL_WRITES: Partial<Record<string, WriteRules>> = {
  ServiceRequest: { create: ['requester'], update: ['requester'] },
  Task: { create: ['requester'], update: ['task-party'] },
  // Conditional create by BSN: an existing Patient is matched, never overwritten; an update is not allowed.
  Patient: { create: ['any'] },
  // Own Subscriptions only: the subscription rules (src/fhir/subscriptions/rules.ts) answer 404 for another's.
  // The notification engine checks canRead for the subscriber's client before sending anything.
  Subscription: OWN_SUBSCRIPTION,
};

/**
 * THE access policy, per organisation kind (issue 5). Admin is unrestricted (except that AuditEvent is never
 * written through the API) and is not listed. Tested as a matrix in test/security/access-policy.test.ts.
 */
export const POLICY: Readonly<Record<Exclude<OrganizationKind, 'admin'>, KindPolicy>> = {
  gp: {
    patients: ['general-practitioner', 'care-team'],
    demographics: ['requested-task'],
    visible: CLINICAL_TYPES,
    referrals: true,
    writes: {
      ...REFERRAL_WRITES,
      Consent: { create: ['objection'], update: ['objection'], delete: ['objection'] },
    },
  },
  vvt: {
    patients: ['care-team'],
    demographics: ['requested-task'],
    visible: CLINICAL_TYPES,
    referrals: true,
    writes: REFERRAL_WRITES,
  },
  'meso-team': {
    patients: ['managed-episode', 'owned-task'],
    demographics: [],
    visible: CLINICAL_TYPES,
    referrals: true,
    writes: {
      Patient: { create: ['any'], update: ['own-patient'] },
      RelatedPerson: CLINICAL_WRITE,
      CareTeam: CLINICAL_WRITE,
      CarePlan: CLINICAL_WRITE,
      Goal: CLINICAL_WRITE,
      Condition: CLINICAL_WRITE,
      Observation: CLINICAL_WRITE,
      Encounter: CLINICAL_WRITE,
      Consent: {
        create: ['own-patient', 'objection'],
        update: ['own-patient', 'objection'],
        delete: ['own-patient', 'objection'],
      },
      Provenance: { create: ['own-patient', 'provenance-agent'] },
      // A new zorgtraject is how a patient becomes the team's patient, so it does not need one already.
      EpisodeOfCare: {
        create: ['episode-manager'],
        update: ['episode-manager'],
        delete: ['episode-manager'],
      },
      ServiceRequest: { create: ['requester', 'own-patient'], update: ['requester', 'own-patient'] },
      Task: { create: ['requester', 'own-patient'], update: ['task-party', 'own-patient'] },
      Organization: { create: ['any'], update: ['own-directory'] },
      Practitioner: { create: ['any'], update: ['own-directory'] },
      PractitionerRole: { create: ['any'], update: ['own-directory'], delete: ['own-directory'] },
      Subscription: OWN_SUBSCRIPTION,
    },
  },
  // The regional behandelnetwerk (mobiel geriatrisch team) answers the MESO team's escalations: it sees the
  // patients it was asked about (the escalation Task it owns) and those whose team it joined, and records its
  // advice and extra diagnostic results as Observations and Conditions, with their Provenance, as the team does.
  behandelnetwerk: {
    patients: ['owned-task', 'care-team'],
    demographics: ['requested-task'],
    visible: CLINICAL_TYPES,
    referrals: true,
    // All of the patient's referrals stay visible: it joins the care team and treats alongside the MESO team.
    ownReferralsOnly: false,
    writes: {
      ...REFERRAL_WRITES,
      Condition: CLINICAL_WRITE,
      Observation: CLINICAL_WRITE,
      Provenance: { create: ['own-patient', 'provenance-agent'] },
    },
  },
  // The Coördinatiepunt ELV places short-stay requests: only patients with an ELV Task addressed to it, and of
  // them what triage needs: the request, its problems (reasonReference) and functional status (Barthel), whether
  // a zorgtraject and a team exist (whom to call back). Not plans, goals, relatives, stays, directives or
  // objections: the receiving organisation gets those from the referrer. It moves the Task along (owner); it
  // creates nothing. Location (the offered bed) is not a served type, so it is named in Task.output instead.
  ctv: {
    patients: ['owned-task'],
    demographics: ['requested-task'],
    visible: ['Patient', 'ServiceRequest', 'Task', 'Condition', 'Observation', 'EpisodeOfCare', 'CareTeam'],
    referrals: true,
    // Need to know (AVG): triaging an ELV request needs that request, not the aanmelding or the escalations.
    ownReferralsOnly: true,
    writes: {
      Task: { update: ['task-party'] },
      Subscription: OWN_SUBSCRIPTION,
    },
  },
  platform: {
    patients: ['any-episode', 'any-task'],
    demographics: [],
    // Regional indicators: trajectories, their teams and referrals. No problems, goals, plans or observations.
    visible: ['Patient', 'EpisodeOfCare', 'CareTeam', 'Task', 'ServiceRequest'],
    referrals: false,
    writes: {},
  },
};

/** The restriction of an ownReferralsOnly kind: referrals only by reference, and the focus of its Tasks. */
const OWN_REFERRALS: Pick<AccessRestriction, 'partyOnlyTypes' | 'referencedBy'> = {
  partyOnlyTypes: ['Task', 'ServiceRequest'],
  referencedBy: [{ resourceType: 'ServiceRequest', from: 'Task', param: 'focus' }],
};

const identifiersOf = (party: Party) =>
  party.identifiers.flatMap((i) => (i.system && i.value ? [{ system: i.system, value: i.value }] : []));

const forbidden = (message: string) => new FhirError(403, [issue('forbidden', message)]);
const INTERACTION_LETTER: Record<WriteChange['interaction'], Interaction> = {
  create: 'c',
  update: 'u',
  delete: 'd',
};

export interface PolicyOptions {
  /** How long an organisation's PractitionerRoles are cached; 0 in tests. */
  partyCacheMs?: number;
}

/** Implements the FHIR layer's AccessGuard with POLICY. */
export class AccessPolicy implements AccessGuard {
  private readonly parties: LRUCache<string, Party>;
  private readonly restrictions = new WeakMap<RequestContext, Promise<AccessRestriction | undefined>>();

  constructor(private readonly options: PolicyOptions = {}) {
    // To lru-cache a ttl of 0 means forever; partyCacheMs 0 means no cache, so then nothing is stored (below).
    this.parties = new LRUCache({ max: 1000, ttl: options.partyCacheMs || 30_000 });
  }

  checkScope(caller: Caller, resourceType: string, interaction: Interaction): void {
    checkScope(caller, resourceType, interaction);
    // A type the organisation kind may never see is refused outright (403), not answered with an empty Bundle.
    const kind = caller.organization.kind;
    if (kind === 'admin' || resourceType === '*' || (interaction !== 'r' && interaction !== 's')) return;
    // A client reads and searches its own Subscriptions (canRead, AccessRestriction.subscriber).
    if (resourceType === 'Subscription') return;
    if (!DIRECTORY_TYPES.includes(resourceType as never) && !POLICY[kind].visible.includes(resourceType)) {
      throw forbidden(`Organisations of kind "${kind}" have no access to ${resourceType}`);
    }
  }

  async restrictionFor(db: Queryable, caller: Caller): Promise<AccessRestriction | undefined> {
    const kind = caller.organization.kind;
    if (kind === 'admin') return undefined;
    const policy = POLICY[kind];
    const party = await this.partyOf(db, caller);
    const references: ReferenceRule[] = [];
    const own = policy.ownReferralsOnly === true;
    if (policy.referrals) {
      // Where only its own referrals show, a referral naming it by URA alone must show too (the owned-task
      // relation counts identifiers); elsewhere such a Task shows through its patient.
      const identifiers = own ? identifiersOf(party) : undefined;
      const targets = party.references;
      references.push({ resourceType: 'Task', params: ['requester', 'owner'], targets, identifiers });
      references.push({
        resourceType: 'ServiceRequest',
        params: ['requester', 'performer'],
        targets,
        identifiers,
      });
    }
    // Outside the R4 compartment (a referral Task): shown through its patient reference (PATIENT_REFERENCE_PARAMS).
    const patientReferences = Object.entries(PATIENT_REFERENCE_PARAMS)
      .filter(([resourceType]) => policy.visible.includes(resourceType))
      .map(([resourceType, params]) => ({ resourceType, params: [...params] }));
    const visible = new Set<string>([...DIRECTORY_TYPES, ...policy.visible]);
    return {
      openTypes: DIRECTORY_TYPES,
      // The caller's patients stay in the care relation table: SQL joins them by these few keys.
      relation: relationKeys(kind, party, policy.patients),
      demographics: policy.demographics.length ? relationKeys(kind, party, policy.demographics) : undefined,
      references,
      patientReferences,
      // Subscriptions are not hidden: each client sees its own (subscriber).
      hiddenTypes: SUPPORTED_TYPES.filter((t) => !visible.has(t) && t !== 'Subscription'),
      subscriber: caller.clientId,
      ...(own ? OWN_REFERRALS : {}),
    };
  }

  /** Without a caller the service itself acts (demo data load, notifications), which is not restricted. */
  async canRead(db: Queryable, ctx: RequestContext, resource: Resource): Promise<boolean> {
    const caller = ctx.caller;
    if (!caller || caller.organization.kind === 'admin') return true;
    if (resource.resourceType === 'Subscription')
      return (await subscriptionOwner(db, resource.id as string)) === caller.clientId;
    const restriction = ctx.access ?? (await this.cachedRestriction(db, ctx, caller));
    return restriction ? isVisible(await this.resolve(db, restriction, resource), resource) : true;
  }

  async checkWrite(tx: Queryable, ctx: RequestContext, change: WriteChange): Promise<void> {
    // NEN 7513: the audit trail is written by the service only, for everyone including admins.
    if (change.resourceType === 'AuditEvent')
      throw forbidden('AuditEvent is written by the service only and cannot be changed');
    const caller = ctx.caller;
    if (!caller) return;
    checkScope(caller, change.resourceType, INTERACTION_LETTER[change.interaction]);
    if (caller.organization.kind === 'admin') return;
    const writes = POLICY[caller.organization.kind].writes;
    const rules = writes[change.resourceType]?.[change.interaction] ?? [];
    for (const rule of rules) if (await this.allows(tx, caller, rule, change)) return;
    const writable = Object.keys(writes).filter((type) => writes[type]?.[change.interaction]?.length);
    throw writeRefusal(caller, change, rules, writable);
  }

  /** The organisation as references may name it: Organization/<id>, its PractitionerRoles, URA and AGB. */
  async partyOf(q: Queryable, caller: Caller): Promise<Party> {
    const org = caller.organization;
    const key = `${caller.clientId}|${org.reference}|${org.ura}|${org.agb}`;
    const hit = this.parties.get(key);
    if (hit) return hit;
    const identifiers: Identifier[] = [];
    if (org.ura) identifiers.push({ system: URA_SYSTEM, value: org.ura });
    if (org.agb) identifiers.push({ system: AGB_SYSTEM, value: org.agb });
    const orgRefs = new Set<string>(org.reference ? [org.reference] : []);
    for (const id of identifiers)
      for (const orgId of await organizationsWithIdentifier(q, id)) orgRefs.add(`Organization/${orgId}`);
    const roles = await rolesOfOrganization(q, referencePatterns({ references: [...orgRefs], identifiers }));
    const party: Party = {
      references: [...orgRefs, ...roles.map((id) => `PractitionerRole/${id}`)],
      identifiers,
    };
    // A party whose Organization is not stored yet is not cached: its first import creates it, and the next
    // request must see it rather than wait out the cache.
    if (this.options.partyCacheMs !== 0 && orgRefs.size > 0) this.parties.set(key, party);
    return party;
  }

  /**
   * Of the patients `only`, the caller's: `related` by a care relationship, `allowed` once objections apply. One
   * small query on the care relation table (src/store/access-relations.ts).
   */
  async patientsOf(
    q: Queryable,
    caller: Caller,
    party: Party,
    only: readonly string[],
  ): Promise<{ allowed: string[]; related: string[] }> {
    const kind = caller.organization.kind;
    if (kind === 'admin') throw new Error('admin has no patient list');
    return patientsAmong(q, relationKeys(kind, party, POLICY[kind].patients), only);
  }

  /**
   * The restriction with the caller's patients among those `resource` is about made explicit, so that the
   * in-memory check (isVisible) agrees with the SQL one without listing all of them.
   */
  private async resolve(q: Queryable, restriction: AccessRestriction, resource: Resource): Promise<Resolved> {
    const own = async (keys: AccessRestriction['relation'], ids: string[]) =>
      keys && ids.length ? (await patientsAmong(q, keys, ids)).allowed : [];
    // A Patient is in its own compartment, so a demographics-only patient counts for the Patient resource alone.
    const type = resource.resourceType;
    const demographics =
      type === 'Patient' && resource.id ? await own(restriction.demographics, [resource.id]) : [];
    const referenced =
      !!resource.id &&
      !!restriction.referencedBy?.some((rule) => rule.resourceType === type) &&
      (await isReferencedBy(q, restriction, type, resource.id));
    if (!restriction.relation) return { ...restriction, patients: new Set(demographics), referenced };
    // A party-only type is not visible through its patients (AccessRestriction.partyOnlyTypes).
    const partyOnly = restriction.partyOnlyTypes?.includes(type) ?? false;
    const allowed = partyOnly ? [] : await own(restriction.relation, patientsAbout(resource));
    const targets = allowed.map((id) => `Patient/${id}`);
    return {
      ...restriction,
      relation: undefined,
      patients: new Set([...allowed, ...demographics]),
      references: [
        ...restriction.references,
        ...(restriction.patientReferences ?? []).map((rule) => ({ ...rule, targets })),
      ],
      referenced,
    };
  }

  private cachedRestriction(
    db: Queryable,
    ctx: RequestContext,
    caller: Caller,
  ): Promise<AccessRestriction | undefined> {
    let pending = this.restrictions.get(ctx);
    if (!pending) {
      pending = this.restrictionFor(db, caller);
      this.restrictions.set(ctx, pending);
    }
    return pending;
  }

  private async allows(q: Queryable, caller: Caller, rule: WriteRule, change: WriteChange): Promise<boolean> {
    const now = change.resource;
    const before = change.previous;
    const party = () => this.partyOf(q, caller);
    switch (rule) {
      case 'any':
        return true;
      case 'own-patient':
        return this.allPatients(q, caller, change, 'allowed');
      case 'objection':
        return (
          (!now || isPrivacyConsent(now as Consent)) &&
          (!before || isPrivacyConsent(before as Consent)) &&
          this.allPatients(q, caller, change, 'related')
        );
      case 'requester':
      case 'episode-manager': {
        const path = rule === 'requester' ? 'requester' : 'managingOrganization';
        const p = await party();
        return [now, before].every((r) => !r || referencesAt(r, path).some((ref) => referenceNames(ref, p)));
      }
      case 'task-party': {
        const p = await party();
        if (!before) return !!now && referencesAt(now, 'requester').some((ref) => referenceNames(ref, p));
        const wasParty = ['requester', 'owner'].some((path) =>
          referencesAt(before, path).some((ref) => referenceNames(ref, p)),
        );
        const sameRequester =
          !now || sameReferences(referencesAt(now, 'requester'), referencesAt(before, 'requester'));
        return wasParty && sameRequester;
      }
      case 'provenance-agent': {
        const p = await party();
        return (
          !!now &&
          ['agent.who', 'agent.onBehalfOf'].some((path) =>
            referencesAt(now, path).some((ref) => referenceNames(ref, p)),
          )
        );
      }
      case 'own-directory':
        return this.ownDirectoryEntry(q, await party(), change);
    }
  }

  /** Every patient the change is about (new and old version) is in the caller's list; at least one. */
  private async allPatients(
    q: Queryable,
    caller: Caller,
    change: WriteChange,
    list: 'allowed' | 'related',
  ): Promise<boolean> {
    const ids = [...new Set([change.resource, change.previous].flatMap((r) => (r ? patientsAbout(r) : [])))];
    if (ids.length === 0) return false;
    const patients = await this.patientsOf(q, caller, await this.partyOf(q, caller), ids);
    return ids.every((id) => patients[list].includes(id));
  }

  private async ownDirectoryEntry(q: Queryable, party: Party, change: WriteChange): Promise<boolean> {
    const versions = [change.resource, change.previous].filter((r): r is Resource => !!r);
    switch (change.resourceType) {
      case 'Organization':
        return versions.every((r) => party.references.includes(`Organization/${r.id}`));
      case 'PractitionerRole':
        return versions.every((r) =>
          referencesAt(r, 'organization').some((ref) => referenceNames(ref, party)),
        );
      case 'Practitioner': {
        const roles = party.references
          .map((r) => localTarget(r))
          .flatMap((t) => (t?.resourceType === 'PractitionerRole' ? [t.id] : []));
        if (roles.length === 0) return false;
        return rolesNamePractitioner(q, roles, versions[0].id as string);
      }
      default:
        return false;
    }
  }
}

/** A restriction resolved for one resource (see resolve): the caller's patients among those it is about. */
interface Resolved extends AccessRestriction {
  patients: ReadonlySet<string>;
  /** A referencedBy rule holds for it (the store was asked: the naming resource is another one). */
  referenced: boolean;
}

/** Whether two lists of References name the same targets (ignoring display and key order). */
function sameReferences(a: Reference[], b: Reference[]): boolean {
  const key = (r: Reference) =>
    `${r.reference ?? ''}|${r.identifier?.system ?? ''}|${r.identifier?.value ?? ''}`;
  return a.map(key).sort().join('\n') === b.map(key).sort().join('\n');
}

/**
 * The same rule the search engine applies in SQL (see AccessRestriction), for one resource in memory: its
 * compartment and reference rows are computed by the functions that produce the stored rows search reads.
 */
function isVisible(restriction: Resolved, resource: Resource): boolean {
  const type = resource.resourceType;
  if (restriction.hiddenTypes?.includes(type)) return false;
  if (restriction.openTypes.includes(type)) return true;
  if (restriction.referenced) return true;
  if (patientCompartment(resource).some((id) => restriction.patients.has(id))) return true;
  const rules = restriction.references.filter((rule) => rule.resourceType === type);
  if (rules.length === 0) return false;
  const rows = referenceRows(resource, [...new Set(rules.flatMap((rule) => rule.params))]);
  return rules.some((rule) => rows.some(({ param, row }) => rule.params.includes(param) && names(rule, row)));
}

/** Index row `row` names one of the rule's targets or identifiers, as access-sql.ts compares them. */
function names(rule: ReferenceRule, row: IndexRow): boolean {
  if (typeof row.ref === 'string' && rule.targets.includes(row.ref)) return true;
  return (rule.identifiers ?? []).some(
    (i) => row.ident_system === indexKey(i.system) && row.ident_value === indexKey(i.value),
  );
}
