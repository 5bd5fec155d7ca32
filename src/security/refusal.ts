import type { Caller } from '../kernel/caller';
import type { WriteChange } from '../kernel/request-context';
import { FhirError, issue } from '../kernel/outcome';

/** The write rules of the access policy (access-policy.ts), named here for their messages. */
export type WriteRule =
  | 'any' // no further condition
  | 'own-patient' // every patient the resource (and its previous version) is about is the caller's patient
  | 'requester' // the caller's organisation is `requester` (and was, on update)
  | 'task-party' // the stored Task has the caller as requester or owner; the requester does not change
  | 'episode-manager' // EpisodeOfCare.managingOrganization is the caller (and was, on update)
  | 'objection' // a patient-privacy Consent for a patient the caller has a care relation with
  | 'provenance-agent' // a Provenance whose agent is the caller's organisation
  | 'own-directory'; // the caller's own Organization, PractitionerRoles and their Practitioners

/** "your organisation (URA 90000033)": how the caller's references may name it, in words a client can act on. */
function yourOrganisation(caller: Caller): string {
  const org = caller.organization;
  const names = [org.ura && `URA ${org.ura}`, org.agb && `AGB ${org.agb}`, org.reference].filter(Boolean);
  return names.length ? `your organisation (${names.join(', ')})` : 'your organisation';
}

/** What a rule asks, in plain words, and the element it is about (relative to the resource type). */
function demand(rule: WriteRule, caller: Caller): { text: string; element?: string } {
  const you = yourOrganisation(caller);
  switch (rule) {
    case 'any':
      return { text: 'nothing further' };
    case 'requester':
      return { text: `the requester must be ${you} or one of its PractitionerRoles`, element: 'requester' };
    case 'task-party':
      return {
        text: `the stored Task's requester or owner must be ${you} or one of its PractitionerRoles, and the requester may not change`,
        element: 'requester',
      };
    case 'own-patient':
      return {
        text: `every patient it is about must be a patient of ${you}, by a care relation this service records (for example a CareTeam, zorgtraject or referral Task naming it) and without an objection`,
      };
    case 'episode-manager':
      return { text: `the managingOrganization must be ${you}`, element: 'managingOrganization' };
    case 'objection':
      return {
        text: `it must be a patient-privacy Consent (an objection) for a patient ${you} has a care relation with`,
      };
    case 'provenance-agent':
      return { text: `an agent.who or agent.onBehalfOf must be ${you}`, element: 'agent' };
    case 'own-directory':
      return { text: `it must be ${you} itself, one of its PractitionerRoles or their Practitioners` };
  }
}

/**
 * The 403 for a write no rule allows: what would have been allowed, in plain words, with the element to change
 * (never the rule's internal name). `writable`: the types the caller's kind may write at all, for a type it may not.
 */
export function writeRefusal(
  caller: Caller,
  change: WriteChange,
  rules: readonly WriteRule[],
  writable: readonly string[],
): FhirError {
  const { resourceType, interaction } = change;
  const kind = caller.organization.kind;
  if (rules.length === 0) {
    const may = writable.length ? `it may ${interaction} only: ${writable.join(', ')}` : 'it may not write';
    return new FhirError(403, [
      issue(
        'forbidden',
        `An organisation of kind "${kind}" may not ${interaction} ${resourceType} resources; ${may}`,
        resourceType,
      ),
    ]);
  }
  const demands = rules.map((rule) => demand(rule, caller));
  const element = demands.find((d) => d.element)?.element;
  return new FhirError(403, [
    issue(
      'forbidden',
      `You may not ${interaction} this ${resourceType}: ${demands.map((d) => d.text).join(', or ')}`,
      element ? `${resourceType}.${element}` : resourceType,
    ),
  ]);
}
