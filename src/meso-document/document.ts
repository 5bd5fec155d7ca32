/**
 * The MESO care-plan document (profiles/meso-careplan.schema.json, version 1.0.0) as TypeScript. Hand-written
 * from the schema, which is the contract: change both together.
 */

export type LocalId = string;
/** Calendar date, YYYY-MM-DD. */
export type IsoDate = string;
/** RFC 3339 date-time with offset. */
export type IsoDateTime = string;

export interface Phone {
  number: string;
  use?: 'thuis' | 'mobiel' | 'werk';
}

export interface Coding {
  system: string;
  code: string;
  display: string;
}

/** Naamgegevens: Dutch name parts, voorvoegsels apart from the geslachtsnaam. */
export interface PersonName {
  initials?: string;
  givenNames?: string[];
  callName?: string;
  ownPrefix?: string;
  ownName: string;
  partnerPrefix?: string;
  partnerName?: string;
  /** NL1 own, NL2 partner, NL3 partner + own, NL4 own + partner. */
  nameUsage: 'NL1' | 'NL2' | 'NL3' | 'NL4';
}

export interface Address {
  street: string;
  houseNumber: string;
  houseNumberLetter?: string;
  houseNumberAddition?: string;
  postalCode: string;
  city: string;
  country?: string;
  addressType?: 'HP' | 'PST' | 'PHYS' | 'TMP' | 'WP' | 'HV';
}

export interface Organisation {
  name: string;
  ura: string;
  agb?: string;
  phone?: Phone;
  address?: Address;
}

export interface Specialty {
  system: 'urn:oid:2.16.840.1.113883.2.4.6.7' | 'http://fhir.nl/fhir/NamingSystem/uzi-rolcode';
  code: string;
  display: string;
}

export interface Professional {
  name: PersonName;
  /** At least one of them. */
  identifiers: { uzi?: string; agb?: string; big?: string };
  discipline: Specialty;
  organisation?: Organisation;
  phone?: Phone;
  email?: string;
}

export type TeamRole =
  | 'regiebehandelaar'
  | 'casemanager'
  | 'coordinator'
  | 'huisarts'
  | 'praktijkondersteuner'
  | 'wijkverpleegkundige'
  | 'specialist-ouderengeneeskunde'
  | 'verpleegkundig-specialist'
  | 'gz-psycholoog'
  | 'fysiotherapeut'
  | 'ergotherapeut'
  | 'welzijnswerker'
  | 'apotheker'
  | 'overig';

export interface TeamMember {
  id: LocalId;
  professional: Professional;
  role: TeamRole;
}

export interface Relative {
  id: LocalId;
  name: PersonName;
  role:
    | 'eerste-contactpersoon'
    | 'tweede-contactpersoon'
    | 'wettelijk-vertegenwoordiger'
    | 'mentor'
    | 'curator'
    | 'bewindvoerder'
    | 'gemachtigde'
    | 'contactpersoon'
    | 'overig';
  relationship:
    | 'echtgenoot'
    | 'echtgenote'
    | 'partner'
    | 'dochter'
    | 'zoon'
    | 'schoondochter'
    | 'schoonzoon'
    | 'kleinkind'
    | 'zus'
    | 'broer'
    | 'nicht'
    | 'neef'
    | 'buur'
    | 'vriend'
    | 'overig';
  mantelzorger: boolean;
  phones?: Phone[];
  email?: string;
}

export interface Problem {
  id: LocalId;
  code: Coding;
  status: 'actueel' | 'niet-actueel' | 'opgelost';
  onsetDate?: IsoDate;
  note?: string;
}

export type MesoDomain = 'somatisch' | 'functioneel' | 'psychisch' | 'sociaal';

export interface Goal {
  id: LocalId;
  kind: 'wens' | 'doel';
  description: string;
  target: { description: string; code?: Coding };
  dueDate?: IsoDate;
  status: 'voorgesteld' | 'actief' | 'bereikt' | 'niet-bereikt' | 'vervallen';
  problemIds?: LocalId[];
}

export interface AdvanceDirective {
  id: LocalId;
  /** zib WilsverklaringType. */
  type: 'NR' | 'VOL' | 'VERB' | 'VERBVL' | 'MON' | 'EU' | 'EUD' | 'LW' | 'DO' | 'ZB';
  date: IsoDate;
  representativeId?: LocalId;
  comment?: string;
}

export interface TreatmentLimit {
  treatment:
    | 'reanimatie'
    | 'beademing'
    | 'ic-opname'
    | 'ziekenhuisopname'
    | 'bloedtransfusie'
    | 'antibiotica'
    | 'overig';
  otherTreatment?: string;
  permitted: 'JA' | 'NEE' | 'JA_MAAR';
  restrictions?: string;
  verificationDate: IsoDate;
  agreedWith?: 'client' | 'vertegenwoordiger' | 'client-en-naaste';
  directiveId?: LocalId;
}

export interface Action {
  id: LocalId;
  description: string;
  code?: Coding;
  /** Id of a team member. */
  responsible: LocalId;
  start: IsoDate;
  end?: IsoDate;
  frequency?: string;
  status: 'gepland' | 'lopend' | 'afgerond' | 'geannuleerd';
  goalIds?: LocalId[];
}

export type MgzService =
  | 'elv-laag-complex'
  | 'elv-hoog-complex'
  | 'elv-palliatief'
  | 'extra-wijkverpleging'
  | 'so-consult'
  | 'vs-consult'
  | 'paramedische-behandeling';

export interface Escalation {
  id: LocalId;
  kind:
    'escalatie-advies' | 'escalatie-aanvullende-diagnostiek' | 'escalatie-medebehandeling' | 'elv-aanvraag';
  requestedService?: MgzService;
  requestedAt: IsoDateTime;
  requester: LocalId;
  receiver: Organisation;
  reason: string;
  problemIds?: LocalId[];
  status: 'aangevraagd' | 'ontvangen' | 'geaccepteerd' | 'afgewezen' | 'afgerond';
  rejectionReason?:
    | 'geen-bed-beschikbaar'
    | 'buiten-indicatiecriteria'
    | 'onvoldoende-informatie'
    | 'capaciteit-team'
    | 'client-weigert'
    | 'andere-zorgvorm-passender'
    | 'overig';
}

export interface ElvEpisode {
  id: LocalId;
  service: 'elv-laag-complex' | 'elv-hoog-complex' | 'elv-palliatief';
  location: Organisation;
  start: IsoDate;
  end?: IsoDate;
  status: 'gepland' | 'actief' | 'afgerond' | 'geannuleerd';
  reason?: string;
  /** Id of the elv-aanvraag in escalations. */
  referralId?: LocalId;
  dischargeDestination?: 'thuis' | 'verpleeghuis' | 'ziekenhuis' | 'overleden' | 'overig';
}

export interface MesoCarePlanDocument {
  schemaVersion: '1.0.0';
  document: { id: string; version: number; date: IsoDateTime; author: Professional };
  client: {
    bsn: string;
    name: PersonName;
    birthDate: IsoDate;
    gender: 'M' | 'F' | 'UN' | 'UNK';
    address: Address;
    phones?: Phone[];
    email?: string;
    gpPractice: { name: string; agb: string; ura: string; phone?: Phone };
  };
  relatives?: Relative[];
  team: { name?: string; members: TeamMember[] };
  trajectory: {
    start: IsoDate;
    end?: IsoDate;
    status: 'gepland' | 'actief' | 'onderbroken' | 'afgerond' | 'geannuleerd';
    prestatie: 'zorgtraject-kwetsbare-patienten';
    managingOrganisation: Organisation;
    /** Id of the team member who is regiebehandelaar. */
    regiebehandelaar: LocalId;
  };
  circumstances?: {
    livingSituation?: {
      houseType:
        'eengezinswoning' | 'appartement' | 'seniorenwoning' | 'aanleunwoning' | 'woonzorgcentrum' | 'overig';
      livesAlone: boolean;
      description?: string;
    };
    functionalStatus?: Array<{
      domain: 'mobiliteit' | 'zelfzorg' | 'huishouden' | 'communicatie' | 'continentie' | 'voeding';
      finding: string;
      code?: Coding;
    }>;
    mentalStatus?: Array<{
      domain: 'cognitie' | 'stemming' | 'gedrag' | 'bewustzijn' | 'orientatie';
      finding: string;
      code?: Coding;
    }>;
    /** Barthel ADL-index, 0–20. */
    barthel?: { score: number; date: IsoDate };
  };
  problems?: Partial<Record<MesoDomain, Problem[]>>;
  goals?: { now?: Goal[]; later?: Goal[] };
  advanceDirectives?: { directives?: AdvanceDirective[]; treatmentLimits?: TreatmentLimit[] };
  actions?: Action[];
  evaluation: { lastEvaluationDate?: IsoDate; nextEvaluationDate: IsoDate; note?: string };
  escalations?: Escalation[];
  elvEpisodes?: ElvEpisode[];
}
