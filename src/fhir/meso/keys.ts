import type { MesoCarePlanDocument, Organisation, Professional } from '../../meso-document/document';

/**
 * The one list of item keys: how each part of a document is named among its resources. A key is stable across
 * document versions (built from the document's local ids, or from business identifiers for shared resources),
 * starts with the FHIR resource type, and is what the import matches a new version against.
 */
export const KEY = {
  carePlan: 'CarePlan',
  patient: 'Patient',
  careTeam: 'CareTeam',
  trajectory: 'EpisodeOfCare',
  provenance: 'Provenance',
  /** The author's role when writing the document (discipline, organisation). */
  authorRole: 'PractitionerRole/author',
  /** Shared: one Organization per URA, whatever part of the document names it. */
  organisation: (org: Pick<Organisation, 'ura'>) => `Organization/ura/${org.ura}`,
  gpPractice: (doc: MesoCarePlanDocument) => `Organization/ura/${doc.client.gpPractice.ura}`,
  /** Shared: a professional by UZI, else BIG, else AGB (the order in which the registers identify a person). */
  practitioner: (p: Pick<Professional, 'identifiers'>) => {
    const { uzi, big, agb } = p.identifiers;
    if (uzi) return `Practitioner/uzi/${uzi}`;
    if (big) return `Practitioner/big/${big}`;
    return `Practitioner/agb/${agb}`;
  },
  memberRole: (memberId: string) => `PractitionerRole/member/${memberId}`,
  relative: (relativeId: string) => `RelatedPerson/${relativeId}`,
  problem: (problemId: string) => `Condition/${problemId}`,
  goal: (goalId: string) => `Goal/${goalId}`,
  action: (actionId: string) => `ServiceRequest/action/${actionId}`,
  directive: (directiveId: string) => `Consent/directive/${directiveId}`,
  escalationRequest: (escalationId: string) => `ServiceRequest/escalation/${escalationId}`,
  escalationTask: (escalationId: string) => `Task/escalation/${escalationId}`,
} as const;
