import type { Condition, Narrative } from '@medplum/fhirtypes';
import { notesText, referenceText } from './datatypes';
import { CONDITION_CLINICAL_STATUS, CONDITION_VERIFICATION_STATUS } from './labels';
import { conceptLabel, conceptText, conceptsText, formatDate, formatPeriod, list, narrative } from './xhtml';

const CLINICAL = 'http://terminology.hl7.org/CodeSystem/condition-clinical';
const VERIFICATION = 'http://terminology.hl7.org/CodeSystem/condition-ver-status';

function onsetText(condition: Condition): string | undefined {
  return formatDate(condition.onsetDateTime) ?? formatPeriod(condition.onsetPeriod) ?? condition.onsetString;
}

function abatementText(condition: Condition): string | undefined {
  return (
    formatDate(condition.abatementDateTime) ??
    formatPeriod(condition.abatementPeriod) ??
    condition.abatementString
  );
}

export function conditionNarrative(condition: Condition): Narrative {
  return narrative('Probleem', [
    ['Probleem', conceptText(condition.code)],
    ['Klinische status', conceptLabel(condition.clinicalStatus, CLINICAL, CONDITION_CLINICAL_STATUS)],
    [
      'Verificatiestatus',
      conceptLabel(condition.verificationStatus, VERIFICATION, CONDITION_VERIFICATION_STATUS),
    ],
    ['Categorie', conceptsText(condition.category)],
    ['Cliënt', referenceText(condition.subject)],
    ['Begin', onsetText(condition)],
    ['Einde', abatementText(condition)],
    ['Toelichting', list(notesText(condition.note))],
  ]);
}
