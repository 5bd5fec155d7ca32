import type {
  CarePlan,
  CareTeam,
  CompositionSection,
  Condition,
  Consent,
  Goal,
  Resource,
} from '@medplum/fhirtypes';
import { conceptText, conceptsText, formatDate, list, narrative } from '../narrative/xhtml';

/** What the sections are made of: the resources the caller may read, gathered by document.ts. */
export interface DocumentParts {
  plan: CarePlan;
  teams: CareTeam[];
  problems: Condition[];
  goals: Goal[];
  subPlans: CarePlan[];
  directives: Consent[];
}

const NEXT_EVALUATION = 'https://meso-zorg.nl/fhir/StructureDefinition/meso-ext-next-evaluation-date';
const EMPTY_REASON = 'http://terminology.hl7.org/CodeSystem/list-empty-reason';

/** The six Dutch sections of the zorgbehandelplan; entries reference the Bundle's fullUrls. */
export function documentSections(
  parts: DocumentParts,
  fullUrl: (r: Resource) => string,
): CompositionSection[] {
  const { plan } = parts;
  const next = plan.extension?.find((e) => e.url === NEXT_EVALUATION)?.valueDate;
  return [
    section('Team', parts.teams, teamLine, fullUrl),
    section('Problemen', parts.problems, (c) => conceptText(c.code), fullUrl),
    section('Doelen en wensen', parts.goals, (g) => conceptText(g.description), fullUrl),
    section('Afspraken en acties', [plan, ...parts.subPlans], planLine, fullUrl),
    section('Wilsverklaringen', parts.directives, directiveLine, fullUrl),
    next
      ? section('Evaluatie', [plan], () => `Volgende evaluatie: ${formatDate(next)}`, fullUrl)
      : section('Evaluatie', [], () => undefined, fullUrl, 'unavailable'),
  ];
}

function section<T extends Resource>(
  title: string,
  resources: readonly T[],
  line: (r: T) => string | undefined,
  fullUrl: (r: Resource) => string,
  empty: 'nilknown' | 'unavailable' = 'nilknown',
): CompositionSection {
  if (!resources.length)
    return {
      title,
      text: narrative(title, [['Inhoud', empty === 'nilknown' ? 'Niets vastgelegd' : 'Niet bekend']]),
      emptyReason: { coding: [{ system: EMPTY_REASON, code: empty }] },
    };
  const lines = resources.map((r) => line(r) ?? `${r.resourceType}/${r.id}`);
  return {
    title,
    text: narrative(title, [['Inhoud', list(lines)]]),
    entry: resources.map((r) => ({ reference: fullUrl(r), type: r.resourceType })),
  };
}

function teamLine(team: CareTeam): string {
  const members = (team.participant ?? [])
    .map((p) => [p.member?.display, conceptsText(p.role)].filter(Boolean).join(' – '))
    .filter(Boolean);
  return [team.name ?? 'Team', members.join('; ')].filter(Boolean).join(': ');
}

function planLine(plan: CarePlan): string {
  const actions = (plan.activity ?? [])
    .map((a) => conceptText(a.detail?.code) ?? a.detail?.description ?? a.reference?.display)
    .filter(Boolean);
  const title = plan.title ?? conceptsText(plan.category) ?? 'Plan';
  return actions.length ? `${title}: ${actions.join('; ')}` : title;
}

function directiveLine(consent: Consent): string {
  const what = conceptsText(consent.provision?.code) ?? conceptsText(consent.category) ?? 'Wilsverklaring';
  const when = formatDate(consent.dateTime);
  return when ? `${what} (${when})` : what;
}
