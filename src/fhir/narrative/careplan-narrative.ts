import type { CarePlan, CarePlanActivity, Narrative } from '@medplum/fhirtypes';
import { extensionText, notesText, referenceText, referencesText } from './datatypes';
import { ACTIVITY_STATUS, REQUEST_STATUS } from './labels';
import { codeLabel, conceptText, conceptsText, formatDate, formatPeriod, list, narrative } from './xhtml';
import { canonical } from '../../domain/canonical';
import { obj, objs, str } from './shape';

const NEXT_EVALUATION = canonical('StructureDefinition', 'meso-ext-next-evaluation-date');
const EPISODE_OF_CARE = 'http://hl7.org/fhir/StructureDefinition/workflow-episodeOfCare';

/** One activity on one line: what, how, how often, by whom, and its status. */
function activityText(activity: CarePlanActivity): string | undefined {
  const detail = obj(activity.detail);
  if (!detail) return referenceText(activity.reference);
  const parts = [
    [conceptText(detail.code), str(detail.description)].filter(Boolean).join(': '),
    str(detail.scheduledString),
    referencesText(detail.performer).filter(Boolean).join(', '),
    codeLabel(ACTIVITY_STATUS, detail.status),
  ];
  return parts.filter(Boolean).join('; ') || undefined;
}

/** The zorgbehandelplan (or a sub-plan such as help from others), listing what it points to by display. */
export function carePlanNarrative(plan: CarePlan): Narrative {
  return narrative('Zorgplan', [
    ['Titel', plan.title],
    ['Soort', conceptsText(plan.category)],
    ['Status', codeLabel(REQUEST_STATUS, plan.status)],
    ['Cliënt', referenceText(plan.subject)],
    ['Periode', formatPeriod(plan.period)],
    ['Volgende evaluatie', formatDate(extensionText(plan.extension, NEXT_EVALUATION))],
    ['Zorgtraject', extensionText(plan.extension, EPISODE_OF_CARE)],
    ['Onderdeel van', list(referencesText(plan.partOf))],
    ['Opgesteld door', referenceText(plan.author)],
    ['Zorgteam', list(referencesText(plan.careTeam))],
    ['Beschrijving', plan.description],
    ['Problemen', list(referencesText(plan.addresses))],
    ['Doelen', list(referencesText(plan.goal))],
    ['Activiteiten', list(objs(plan.activity).map(activityText))],
    ['Opmerkingen', list(notesText(plan.note))],
  ]);
}
