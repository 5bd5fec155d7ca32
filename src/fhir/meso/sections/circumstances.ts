import type { CodeableConcept, Observation } from '@medplum/fhirtypes';
import type { Coding, MesoCarePlanDocument } from '../../../meso-document/document';
import { cc, codingFromFhir, codingIn, codingToFhir, reverseLookup, SCT } from '../datatypes/coding';
import { itemIdentifier, keyRef, type Graph, type Planned } from '../graph';
import { KEY } from '../keys';
import type { Section } from './section';

/**
 * Circumstances ⇄ Observations: the living situation panel (nl-core-LivingSituation with its HouseType and
 * LivingCondition members), one nl-core-FunctionalOrMentalStatus per finding, and the Barthel total
 * (nl-core-BarthelADLIndex, no item scores: the document has only the total). None is referenced by another
 * resource but the panel's members, so the CarePlan lists them in supportingInfo.
 */

type Circumstances = NonNullable<MesoCarePlanDocument['circumstances']>;
type Living = NonNullable<Circumstances['livingSituation']>;
type Functional = NonNullable<Circumstances['functionalStatus']>[number];
type Mental = NonNullable<Circumstances['mentalStatus']>[number];
type Finding = Functional | Mental;

const NL = 'http://nictiz.nl/fhir/StructureDefinition/';
const PROFILE = {
  living: `${NL}nl-core-LivingSituation`,
  houseType: `${NL}nl-core-LivingSituation.HouseType`,
  livingCondition: `${NL}nl-core-LivingSituation.LivingCondition`,
  status: `${NL}nl-core-FunctionalOrMentalStatus`,
  barthel: `${NL}nl-core-BarthelADLIndex`,
};
const HOUSE_TYPE_SYSTEM = 'urn:oid:2.16.840.1.113883.2.4.3.11.60.40.4.13.1';
const NULL_FLAVOR = 'http://terminology.hl7.org/CodeSystem/v3-NullFlavor';
const ICF = 'http://hl7.org/fhir/sid/icf-nl';

/**
 * zib WoningType has no seniorenwoning or woonzorgcentrum: those (and overig) are OTH ("Anders"), told apart
 * by the text, which always carries the document's term.
 */
const HOUSE_TYPE: Record<Living['houseType'], [string, string, string]> = {
  eengezinswoning: [HOUSE_TYPE_SYSTEM, 'EENGEZW', 'Eengezinswoning'],
  appartement: [HOUSE_TYPE_SYSTEM, 'FLATW', 'Appartement of flatwoning'],
  aanleunwoning: [HOUSE_TYPE_SYSTEM, 'AANLW', 'Aanleunwoning'],
  seniorenwoning: [NULL_FLAVOR, 'OTH', 'Anders'],
  woonzorgcentrum: [NULL_FLAVOR, 'OTH', 'Anders'],
  overig: [NULL_FLAVOR, 'OTH', 'Anders'],
};
const HOUSE_TYPE_TEXT: Record<Living['houseType'], string> = {
  eengezinswoning: 'Eengezinswoning',
  appartement: 'Appartement',
  aanleunwoning: 'Aanleunwoning',
  seniorenwoning: 'Seniorenwoning',
  woonzorgcentrum: 'Woonzorgcentrum',
  overig: 'Overig',
};
/** SNOMED 105529008 "woont alleen"; not living alone has no code in the (extensible) WoonOmstandigheid list. */
const LIVES_ALONE = '105529008';

/** The domain is the observation's code (zib StatusNaam: ICF), with the document's domain word as text. */
const DOMAIN: Record<Finding['domain'], [string, string]> = {
  mobiliteit: ['d4', 'Mobiliteit'],
  zelfzorg: ['d5', 'Zelfverzorging'],
  huishouden: ['d6', 'Huishouden'],
  communicatie: ['d3', 'Communicatie'],
  continentie: ['b620', 'Urinatiefuncties'],
  voeding: ['d550', 'Eten'],
  cognitie: ['b164', 'Hogere cognitieve functies'],
  stemming: ['b152', 'Emotionele functies'],
  gedrag: ['b125', 'Disposities en intra-persoonlijke functies'],
  bewustzijn: ['b110', 'Bewustzijnsfuncties'],
  orientatie: ['b114', 'Oriëntatiefuncties'],
};
const CATEGORY = {
  functional: cc(SCT, '118228005', 'bevinding betreffende functioneren'),
  mental: cc(SCT, '384821006', 'bevinding betreffende mentale toestand'),
};

function observation(
  doc: MesoCarePlanDocument,
  key: string,
  profile: string,
  rest: Partial<Observation>,
  supportingInfo = true,
): Planned {
  const resource: Observation = {
    resourceType: 'Observation',
    meta: { profile: [profile] },
    identifier: [itemIdentifier(doc.document.id, key)],
    status: 'final',
    code: rest.code as CodeableConcept,
    subject: keyRef(KEY.patient),
    ...rest,
  };
  return { key, resource, supportingInfo };
}

function livingToFhir(doc: MesoCarePlanDocument, l: Living): Planned[] {
  const [system, code, display] = HOUSE_TYPE[l.houseType];
  const houseType = observation(
    doc,
    KEY.houseType,
    PROFILE.houseType,
    {
      code: cc(SCT, '272497004', 'Residential environment'),
      valueCodeableConcept: cc(system, code, display, HOUSE_TYPE_TEXT[l.houseType]),
    },
    false,
  );
  const livesAlone = observation(
    doc,
    KEY.livesAlone,
    PROFILE.livingCondition,
    {
      code: cc(SCT, '224249004', 'Characteristics of home environment'),
      valueCodeableConcept: l.livesAlone
        ? cc(SCT, LIVES_ALONE, 'woont alleen', 'Woont alleen')
        : { text: 'Woont niet alleen' },
    },
    false,
  );
  const panel = observation(doc, KEY.livingSituation, PROFILE.living, {
    code: cc(SCT, '365508006', 'Residence and accommodation circumstances - finding'),
    ...(l.description ? { note: [{ text: l.description }] } : {}),
    hasMember: [keyRef(KEY.houseType), keyRef(KEY.livesAlone)],
  });
  return [panel, houseType, livesAlone];
}

function findingsToFhir(
  doc: MesoCarePlanDocument,
  findings: Finding[],
  kind: 'functional' | 'mental',
): Planned[] {
  const seen = new Map<string, number>();
  return findings.map((f) => {
    const n = (seen.get(f.domain) ?? 0) + 1;
    seen.set(f.domain, n);
    const key = kind === 'functional' ? KEY.functionalStatus(f.domain, n) : KEY.mentalStatus(f.domain, n);
    const [code, display] = DOMAIN[f.domain];
    return observation(doc, key, PROFILE.status, {
      category: [CATEGORY[kind]],
      code: cc(ICF, code, display, f.domain),
      // StatusWaarde is a required binding: a finding without a coding is a string, not a text-only concept.
      ...(f.code
        ? { valueCodeableConcept: { coding: [codingToFhir(f.code)], text: f.finding } }
        : { valueString: f.finding }),
    });
  });
}

function toFhir(doc: MesoCarePlanDocument): Planned[] {
  const c = doc.circumstances;
  if (!c) return [];
  return [
    ...(c.livingSituation ? livingToFhir(doc, c.livingSituation) : []),
    ...findingsToFhir(doc, c.functionalStatus ?? [], 'functional'),
    ...findingsToFhir(doc, c.mentalStatus ?? [], 'mental'),
    ...(c.barthel
      ? [
          observation(doc, KEY.barthel, PROFILE.barthel, {
            code: cc(SCT, '273302005', 'Barthel-index'),
            effectiveDateTime: c.barthel.date,
            valueInteger: c.barthel.score,
          }),
        ]
      : []),
  ];
}

function livingFromFhir(graph: Graph): Living | undefined {
  const panel = graph.items<Observation>(KEY.livingSituation).find((o) => hasProfile(o, PROFILE.living));
  if (!panel) return undefined;
  const members = (panel.hasMember ?? []).map((r) => graph.resolve<Observation>(r));
  const house = members.find((o) => o && hasProfile(o, PROFILE.houseType))?.valueCodeableConcept;
  const condition = members.find((o) => o && hasProfile(o, PROFILE.livingCondition))?.valueCodeableConcept;
  const houseType = reverseLookup(HOUSE_TYPE_TEXT, house?.text);
  if (!houseType) return undefined;
  return {
    houseType,
    livesAlone: codingIn(condition, SCT)?.code === LIVES_ALONE,
    ...(panel.note?.[0]?.text ? { description: panel.note[0].text } : {}),
  };
}

function findingFromFhir(o: Observation): { domain: string; finding: string; code?: Coding } {
  const code = codingFromFhir(o.valueCodeableConcept?.coding?.[0]);
  const domainCodes = Object.fromEntries(Object.entries(DOMAIN).map(([d, [c]]) => [d, c]));
  return {
    domain: reverseLookup(domainCodes, codingIn(o.code, ICF)?.code) ?? '',
    finding: o.valueString ?? o.valueCodeableConcept?.text ?? '',
    ...(code ? { code } : {}),
  };
}

function fromFhir(graph: Graph): Partial<MesoCarePlanDocument> {
  const livingSituation = livingFromFhir(graph);
  const functionalStatus = graph.items<Observation>('Observation/functional-status/').map(findingFromFhir);
  const mentalStatus = graph.items<Observation>('Observation/mental-status/').map(findingFromFhir);
  const barthel = graph.items<Observation>(KEY.barthel)[0];
  const circumstances: Circumstances = {
    ...(livingSituation ? { livingSituation } : {}),
    ...(functionalStatus.length ? { functionalStatus: functionalStatus as Functional[] } : {}),
    ...(mentalStatus.length ? { mentalStatus: mentalStatus as Mental[] } : {}),
    ...(barthel?.valueInteger !== undefined && barthel.effectiveDateTime
      ? { barthel: { score: barthel.valueInteger, date: barthel.effectiveDateTime } }
      : {}),
  };
  return Object.keys(circumstances).length ? { circumstances } : {};
}

const hasProfile = (o: Observation, url: string) => o.meta?.profile?.includes(url) ?? false;

export const circumstancesSection: Section = { name: 'circumstances', toFhir, fromFhir };
