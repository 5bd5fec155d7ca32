import type {
  MesoCarePlanDocument,
  Organisation,
  Professional,
  TreatmentLimit,
} from '../../meso-document/document';

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
  /**
   * A treatment limit has no local id: it is keyed by its treatment (plus the free text for `overig`), which the
   * document does not repeat in practice; the n-th repeat of the same treatment (n ≥ 2) gets `/n` appended.
   */
  treatmentLimit: (t: Pick<TreatmentLimit, 'treatment' | 'otherTreatment'>, occurrence = 1) =>
    `Consent/treatment-limit/${t.treatment === 'overig' ? `overig/${encodeURIComponent(t.otherTreatment ?? '')}` : t.treatment}${occurrence > 1 ? `/${occurrence}` : ''}`,
  /** The living situation panel and its two members (at most one of each per document). */
  livingSituation: 'Observation/living-situation',
  houseType: 'Observation/living-situation/house-type',
  livesAlone: 'Observation/living-situation/lives-alone',
  /**
   * Functional and mental findings have no local id and a domain may repeat (the schema allows it): keyed by
   * domain and occurrence within that domain (1, 2, …), so a finding in another domain does not shift them.
   */
  functionalStatus: (domain: string, occurrence: number) =>
    `Observation/functional-status/${domain}/${occurrence}`,
  mentalStatus: (domain: string, occurrence: number) => `Observation/mental-status/${domain}/${occurrence}`,
  barthel: 'Observation/barthel',
  escalationRequest: (escalationId: string) => `ServiceRequest/escalation/${escalationId}`,
  escalationTask: (escalationId: string) => `Task/escalation/${escalationId}`,
  /** An eerstelijnsverblijf stay (Encounter), sections/elv.ts. */
  elvEpisode: (episodeId: string) => `Encounter/elv/${episodeId}`,
} as const;
