import type { Goal, GoalTarget, Narrative } from '@medplum/fhirtypes';
import { notesText, quantityText, referenceText, referencesText } from './datatypes';
import { GOAL_STATUS } from './labels';
import { codeLabel, conceptText, formatDate, list, narrative } from './xhtml';
import { objs, str } from './shape';

/** "lopen: lichte beperking (streefdatum 14 december 2026)". */
function targetText(target: GoalTarget): string | undefined {
  const detail =
    conceptText(target.detailCodeableConcept) ??
    quantityText(target.detailQuantity) ??
    str(target.detailString);
  const what = [conceptText(target.measure), detail].filter(Boolean).join(': ');
  const due = formatDate(target.dueDate);
  if (!due) return what || undefined;
  return what ? `${what} (streefdatum ${due})` : `streefdatum ${due}`;
}

export function goalNarrative(goal: Goal): Narrative {
  return narrative('Doel', [
    ['Doel', conceptText(goal.description)],
    ['Status', codeLabel(GOAL_STATUS, goal.lifecycleStatus)],
    ['Resultaat', conceptText(goal.achievementStatus)],
    ['Cliënt', referenceText(goal.subject)],
    ['Start', formatDate(goal.startDate)],
    ['Streefwaarde', list(objs(goal.target).map(targetText))],
    ['Gericht op', list(referencesText(goal.addresses))],
    ['Toelichting', list(notesText(goal.note))],
  ]);
}
