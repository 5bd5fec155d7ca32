import type { CodeableConcept, Narrative, Task } from '@medplum/fhirtypes';
import { notesText, referenceText } from './datatypes';
import { TASK_STATUS } from './labels';
import { codeLabel, conceptText, formatDate, list, narrative } from './xhtml';
import { obj, objs, str } from './shape';

/**
 * Both the coded reason and its free-text explanation: a rejection always carries a coded reason, and the
 * receiver's explanation is what the sender needs next, so neither may hide the other.
 */
function reasonText(reason: CodeableConcept | undefined): string | undefined {
  const codings = objs(obj(reason)?.coding);
  const coded =
    str(codings.find((c) => str(c.display))?.display) ?? str(codings.find((c) => str(c.code))?.code);
  const text = str(obj(reason)?.text);
  if (coded && text && coded !== text) return `${coded}: ${text}`;
  return coded ?? text;
}

/** The workflow status of a referral: aangevraagd, geaccepteerd, afgewezen (with reason), … */
export function taskNarrative(task: Task): Narrative {
  return narrative('Verwijzing (status)', [
    ['Soort', conceptText(task.code)],
    ['Status', codeLabel(TASK_STATUS, task.status)],
    [task.status === 'rejected' ? 'Reden van afwijzing' : 'Reden', reasonText(task.statusReason)],
    ['Voortgang', conceptText(task.businessStatus)],
    ['Cliënt', referenceText(task.for)],
    ['Betreft', referenceText(task.focus)],
    ['Aanvrager', referenceText(task.requester)],
    ['Ontvanger', referenceText(task.owner)],
    ['Aangemaakt', formatDate(task.authoredOn)],
    ['Laatst gewijzigd', formatDate(task.lastModified)],
    ['Toelichting', list(notesText(task.note))],
  ]);
}
