import type { CareTeam, CareTeamParticipant, Narrative, Reference } from '@medplum/fhirtypes';
import { parseReference } from '../../kernel/reference';
import { referenceText, referencesText } from './datatypes';
import { CARE_TEAM_STATUS } from './labels';
import { codeLabel, conceptsText, formatPeriod, list, narrative } from './xhtml';
import { objs, str } from './shape';

// The client and family carers usually take part without a coded role; name what they are anyway.
const DEFAULT_ROLE: Readonly<Record<string, string>> = { Patient: 'cliënt', RelatedPerson: 'naaste' };

function memberType(member: Reference | undefined): string | undefined {
  const type = str(member?.type);
  if (type) return type;
  const reference = str(member?.reference);
  if (!reference) return undefined;
  const parsed = parseReference(reference);
  return parsed.kind === 'relative' || parsed.kind === 'absolute' ? parsed.resourceType : undefined;
}

function participantText(participant: CareTeamParticipant): string | undefined {
  const member = referenceText(participant.member);
  const type = memberType(participant.member);
  const role = conceptsText(participant.role) ?? (type ? DEFAULT_ROLE[type] : undefined);
  return member && role ? `${role}: ${member}` : (member ?? role);
}

export function careTeamNarrative(team: CareTeam): Narrative {
  return narrative('Zorgteam', [
    ['Naam', team.name],
    ['Status', codeLabel(CARE_TEAM_STATUS, team.status)],
    ['Cliënt', referenceText(team.subject)],
    ['Periode', formatPeriod(team.period)],
    ['Deelnemers', list(objs(team.participant).map(participantText))],
    ['Organisatie', list(referencesText(team.managingOrganization))],
  ]);
}
