import type { EpisodeOfCare, Narrative } from '@medplum/fhirtypes';
import { extensionText, referenceText, referencesText } from './datatypes';
import { EPISODE_STATUS } from './labels';
import { codeLabel, conceptsText, formatPeriod, list, narrative } from './xhtml';
import { objs } from './shape';

const EPISODE_NAME = 'http://nictiz.nl/fhir/StructureDefinition/ext-EpisodeOfCare.EpisodeOfCareName';

/** The zorgtraject (e.g. "zorgtraject kwetsbare patiënten") with its regiebehandelaar. */
export function episodeOfCareNarrative(episode: EpisodeOfCare): Narrative {
  return narrative('Zorgtraject', [
    ['Naam', extensionText(episode.extension, EPISODE_NAME)],
    ['Soort', conceptsText(episode.type)],
    ['Status', codeLabel(EPISODE_STATUS, episode.status)],
    ['Cliënt', referenceText(episode.patient)],
    ['Periode', formatPeriod(episode.period)],
    ['Regiebehandelaar', referenceText(episode.careManager)],
    ['Organisatie', referenceText(episode.managingOrganization)],
    ['Problemen', list(objs(episode.diagnosis).map((d) => referenceText(d.condition)))],
    ['Zorgteam', list(referencesText(episode.team))],
    ['Verwijzing', list(referencesText(episode.referralRequest))],
  ]);
}
