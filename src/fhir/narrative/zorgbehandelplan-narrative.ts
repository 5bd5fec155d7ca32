import type {
  CarePlanActivity,
  CareTeam,
  CareTeamParticipant,
  Condition,
  Consent,
  Goal,
  Narrative,
  Organization,
  Practitioner,
  PractitionerRole,
  Reference,
  RelatedPerson,
  Resource,
  ServiceRequest,
} from '@medplum/fhirtypes';
import { canonical } from '../../domain/canonical';
import { extensionText, nameText, notesText, phoneText, referenceText } from './datatypes';
import {
  ACTIVITY_STATUS,
  CONDITION_CLINICAL_STATUS,
  GOAL_STATUS,
  PROVISION_TYPE,
  REQUEST_STATUS,
} from './labels';
import { lookup, type PlanGraph } from './plan-graph';
import {
  codeLabel,
  conceptLabel,
  conceptText,
  conceptsText,
  formatDate,
  formatPeriod,
  list,
  narrative,
} from './xhtml';
import { obj, objs, str } from './shape';

const NEXT_EVALUATION = canonical('StructureDefinition', 'meso-ext-next-evaluation-date');
const CLINICAL_STATUS = 'http://terminology.hl7.org/CodeSystem/condition-clinical';

const join = (parts: readonly (string | undefined)[], separator = ', '): string | undefined => {
  const present = parts.filter((p): p is string => typeof p === 'string' && p.trim() !== '');
  return present.length ? present.join(separator) : undefined;
};
const bracket = (text: string | undefined) => (text ? `(${text})` : undefined);

/** Who a reference names, by the resolved resource's own name, else the reference's display. */
function whoText(graph: PlanGraph, ref: Reference | undefined): string | undefined {
  const target = lookup(graph, ref);
  switch (target?.resourceType) {
    case 'PractitionerRole': {
      const role = target as PractitionerRole;
      const organisation = str(lookup<Organization>(graph, role.organization)?.name);
      const person = nameText(lookup<Practitioner>(graph, role.practitioner)?.name);
      const where = join([conceptsText(role.specialty), organisation ?? referenceText(role.organization)]);
      return join([person ?? referenceText(role.practitioner) ?? referenceText(ref), bracket(where)], ' ');
    }
    case 'Practitioner':
    case 'Patient':
    case 'RelatedPerson':
      return nameText((target as Practitioner).name) ?? referenceText(ref);
    case 'Organization':
    case 'CareTeam':
      return str((target as Organization).name) ?? referenceText(ref);
    default:
      return referenceText(ref);
  }
}

/** Contact details of a team member: the role's phone, else the person's or organisation's. */
function contactText(graph: PlanGraph, ref: Reference | undefined): string | undefined {
  const target = lookup(graph, ref);
  if (!target) return undefined;
  if (target.resourceType === 'PractitionerRole') {
    const role = target as PractitionerRole;
    return (
      phoneText(role.telecom) ??
      phoneText(lookup<Practitioner>(graph, role.practitioner)?.telecom) ??
      phoneText(lookup<Organization>(graph, role.organization)?.telecom)
    );
  }
  return phoneText((target as RelatedPerson).telecom);
}

const DEFAULT_ROLE: Readonly<Record<string, string>> = { Patient: 'cliënt', RelatedPerson: 'naaste' };

/** "Regiebehandelaar: Ingrid van der Veen (Specialist ouderengeneeskunde, MESO Ouderenzorg), tel. 0593 …". */
function memberText(graph: PlanGraph, participant: CareTeamParticipant): string | undefined {
  const target = lookup(graph, participant.member);
  const relation =
    target?.resourceType === 'RelatedPerson'
      ? conceptsText((target as RelatedPerson).relationship)
      : undefined;
  const role =
    conceptsText(participant.role) ?? relation ?? (target ? DEFAULT_ROLE[target.resourceType] : undefined);
  const who = whoText(graph, participant.member);
  const phone = contactText(graph, participant.member);
  const member = join([who, phone && `tel. ${phone}`]);
  return role && member ? `${role}: ${member}` : (member ?? role);
}

function problemText(condition: Condition): string | undefined {
  const status = conceptLabel(condition.clinicalStatus, CLINICAL_STATUS, CONDITION_CLINICAL_STATUS);
  return join([conceptText(condition.code), bracket(status)], ' ');
}

function goalText(goal: Goal): string | undefined {
  const due = objs(goal.target)
    .map((t) => formatDate(t.dueDate))
    .find(Boolean);
  const status = codeLabel(GOAL_STATUS, goal.lifecycleStatus);
  return join([conceptText(goal.description), bracket(join([status, due && `streefdatum ${due}`]))], ' ');
}

/** What, when, who is responsible, status: one activity on one line. */
function activityText(graph: PlanGraph, activity: CarePlanActivity): string | undefined {
  const detail = obj(activity.detail);
  const request = lookup<ServiceRequest>(graph, activity.reference);
  if (!detail && !request) return referenceText(activity.reference);
  const what = request
    ? join(
        [conceptText(request.code) ?? referenceText(activity.reference), conceptsText(request.orderDetail)],
        ': ',
      )
    : join([conceptText(detail?.code), str(detail?.description)], ': ');
  const when = request ? formatDate(request.occurrenceDateTime) : str(detail?.scheduledString);
  const performers = objs(request ? request.performer : detail?.performer).map((p) => whoText(graph, p));
  const status = request
    ? codeLabel(REQUEST_STATUS, request.status)
    : codeLabel(ACTIVITY_STATUS, detail?.status);
  return join([what, when, join(performers) && `verantwoordelijk: ${join(performers)}`, status], '; ');
}

const DIRECTIVE_KIND: Readonly<Record<string, string>> = {
  adr: 'Wilsverklaring',
  treatment: 'Behandelgrens',
};

/** "Behandelgrens: Niet reanimeren — niet toegestaan (6 april 2026)". */
function directiveText(consent: Consent): string | undefined {
  const scope = objs(obj(consent.scope)?.coding).find((c) => Object.hasOwn(DIRECTIVE_KIND, c.code ?? ''));
  const provision = obj(consent.provision);
  const what = conceptsText(provision?.code) ?? conceptsText(consent.category);
  const decision = codeLabel(PROVISION_TYPE, provision?.type);
  const text = join([what, decision && `(${decision})`], ' ');
  const when = formatDate(consent.dateTime);
  const kind = DIRECTIVE_KIND[scope?.code ?? ''] ?? 'Wilsverklaring';
  return join([`${kind}: ${text ?? 'vastgelegd'}`, when && `vastgelegd ${when}`], ', ');
}

const resolvedAll = <T extends Resource>(graph: PlanGraph, refs: readonly Reference[] | undefined) =>
  objs(refs)
    .map((r) => lookup<T>(graph, r))
    .filter((r): r is T => r !== undefined);

/** Referenced but not readable (yet): still named by the reference's display, so nothing silently disappears. */
function itemsOf<T extends Resource>(
  graph: PlanGraph,
  refs: readonly Reference[] | undefined,
  text: (r: T) => string | undefined,
): (string | undefined)[] {
  return objs(refs).map((r) => {
    const target = lookup<T>(graph, r);
    return (target && text(target)) ?? referenceText(r);
  });
}

/**
 * The zorgbehandelplan's summary for display-only systems: team and roles with contact details, problems, goals,
 * actions with who is responsible, treatment limits and the next evaluation. Pure: the graph was resolved before.
 * Every value from a resource passes through the xhtml helpers as a plain string, so it is always escaped.
 */
export function zorgbehandelplanNarrative(graph: PlanGraph): Narrative {
  const { plan } = graph;
  const teams = resolvedAll<CareTeam>(graph, plan.careTeam);
  const members = teams.flatMap((t) => objs(t.participant).map((p) => memberText(graph, p)));
  const actions = [
    ...objs(plan.activity).map((a) => activityText(graph, a)),
    ...graph.subPlans
      .filter((s) => s.status !== 'entered-in-error')
      .flatMap((s) => objs(s.activity).map((a) => activityText(graph, a))),
  ];
  return narrative(str(plan.title) ?? 'Zorgbehandelplan', [
    ['Status', codeLabel(REQUEST_STATUS, plan.status)],
    ['Cliënt', whoText(graph, plan.subject)],
    ['Periode', formatPeriod(plan.period)],
    ['Opgesteld door', whoText(graph, plan.author)],
    ['Beschrijving', plan.description],
    ['Zorgteam', list(members.length ? members : objs(plan.careTeam).map(referenceText))],
    ['Problemen', list(itemsOf<Condition>(graph, plan.addresses, problemText))],
    ['Doelen en wensen', list(itemsOf<Goal>(graph, plan.goal, goalText))],
    ['Afspraken en acties', list(actions)],
    ['Behandelgrenzen en wilsverklaringen', list(graph.directives.map(directiveText))],
    ['Volgende evaluatie', formatDate(extensionText(plan.extension, NEXT_EVALUATION))],
    ['Opmerkingen', list(notesText(plan.note))],
  ]);
}
