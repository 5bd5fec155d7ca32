import type { CodeableConcept, Coding, RelatedPerson } from '@medplum/fhirtypes';
import type { MesoCarePlanDocument, Relative } from '../../../meso-document/document';
import { nameFromFhir, nameToFhir, stripUndefined } from '../datatypes/name';
import { NL_CORE } from '../datatypes/organisation';
import { emailFromFhir, phonesFromFhir, telecomToFhir } from '../datatypes/telecom';
import { itemIdentifier, keyRef, localIdOf, type Graph } from '../graph';
import { KEY } from '../keys';
import { clientDisplay } from './client';
import type { Section } from './section';

/**
 * Naasten ⇄ nl-core-ContactPerson. `relationship` holds three codings side by side, as nl-core slices it: the
 * zib Rol (COD472), the zib extra role Mantelzorger when the relative is one (as the demo data marks it), and
 * the zib Relatie (v3 RoleCode).
 */

const ROLE_SYSTEM = 'urn:oid:2.16.840.1.113883.2.4.3.11.22.472';
const EXTRA_ROLE_SYSTEM = 'urn:oid:2.16.840.1.113883.2.4.3.11.60.40.4.23.1';
const ROLE_CODE = 'http://terminology.hl7.org/CodeSystem/v3-RoleCode';
const NULL_FLAVOR = 'http://terminology.hl7.org/CodeSystem/v3-NullFlavor';
const MANTELZORGER: Coding = { system: EXTRA_ROLE_SYSTEM, code: '100001', display: 'Mantelzorger' };

/**
 * zib RolCodelijst. It has no code for a (schriftelijk) gemachtigde: that is 09 Anders with the text
 * "Gemachtigde", which is also how it is told apart from plain overig when read back.
 */
const ROLE: Record<Relative['role'], [code: string, display: string, text?: string]> = {
  'eerste-contactpersoon': ['01', 'Eerste relatie/contactpersoon'],
  'tweede-contactpersoon': ['02', 'Tweede relatie/contactpersoon'],
  curator: ['03', 'Curator (juridisch)'],
  bewindvoerder: ['14', 'Bewindvoerder'],
  mentor: ['15', 'Mentor'],
  contactpersoon: ['23', 'Contactpersoon'],
  'wettelijk-vertegenwoordiger': ['24', 'Wettelijke vertegenwoordiger'],
  gemachtigde: ['09', 'Anders', 'Gemachtigde'],
  overig: ['09', 'Anders'],
};

/**
 * zib RelatieCodelijst (v3 RoleCode, OTH from NullFlavor). Kleinkind, buur and vriend have no code in that
 * value set; they use the v3 RoleCode concepts GRNDCHILD, NBOR and FRND (nl-core slices `relationship` open).
 */
const RELATIONSHIP: Record<Relative['relationship'], Coding> = {
  echtgenoot: { system: ROLE_CODE, code: 'HUSB', display: 'Husband' },
  echtgenote: { system: ROLE_CODE, code: 'WIFE', display: 'Wife' },
  partner: { system: ROLE_CODE, code: 'DOMPART', display: 'Domestic partner' },
  dochter: { system: ROLE_CODE, code: 'DAUC', display: 'Daughter' },
  zoon: { system: ROLE_CODE, code: 'SONC', display: 'Son' },
  schoondochter: { system: ROLE_CODE, code: 'DAUINLAW', display: 'Daughter in-law' },
  schoonzoon: { system: ROLE_CODE, code: 'SONINLAW', display: 'Son in-law' },
  kleinkind: { system: ROLE_CODE, code: 'GRNDCHILD', display: 'grandchild' },
  zus: { system: ROLE_CODE, code: 'SIS', display: 'Sister' },
  broer: { system: ROLE_CODE, code: 'BRO', display: 'Brother' },
  nicht: { system: ROLE_CODE, code: 'NIECE', display: 'Niece' },
  neef: { system: ROLE_CODE, code: 'NEPHEW', display: 'Nephew' },
  buur: { system: ROLE_CODE, code: 'NBOR', display: 'neighbor' },
  vriend: { system: ROLE_CODE, code: 'FRND', display: 'unrelated friend' },
  overig: { system: NULL_FLAVOR, code: 'OTH', display: 'Other' },
};

function roleToFhir(role: Relative['role']): CodeableConcept {
  const [code, display, text] = ROLE[role];
  return { coding: [{ system: ROLE_SYSTEM, code, display }], ...(text ? { text } : {}) };
}

function roleFromFhir(concepts: CodeableConcept[]): Relative['role'] {
  const concept = concepts.find((c) => c.coding?.some((x) => x.system === ROLE_SYSTEM));
  const code = concept?.coding?.find((x) => x.system === ROLE_SYSTEM)?.code;
  const match = (Object.keys(ROLE) as Relative['role'][]).find(
    (r) => ROLE[r][0] === code && ROLE[r][2] === (code === '09' ? concept?.text : undefined),
  );
  return match ?? 'overig';
}

function relationshipFromFhir(concepts: CodeableConcept[]): Relative['relationship'] {
  const codings = concepts.flatMap((c) => c.coding ?? []);
  const match = (Object.keys(RELATIONSHIP) as Relative['relationship'][]).find((r) =>
    codings.some((x) => x.system === RELATIONSHIP[r].system && x.code === RELATIONSHIP[r].code),
  );
  return match ?? 'overig';
}

function relativeToFhir(doc: MesoCarePlanDocument, r: Relative): RelatedPerson {
  const telecom = telecomToFhir(r.phones, r.email);
  return {
    resourceType: 'RelatedPerson',
    meta: { profile: [`${NL_CORE}nl-core-ContactPerson`] },
    identifier: [itemIdentifier(doc.document.id, KEY.relative(r.id))],
    active: true,
    patient: keyRef(KEY.patient, clientDisplay(doc)),
    relationship: [
      roleToFhir(r.role),
      ...(r.mantelzorger ? [{ coding: [MANTELZORGER] }] : []),
      { coding: [RELATIONSHIP[r.relationship]] },
    ],
    name: nameToFhir(r.name),
    ...(telecom.length ? { telecom } : {}),
  };
}

function relativeFromFhir(graph: Graph, p: RelatedPerson): Relative {
  const concepts = p.relationship ?? [];
  const phones = phonesFromFhir(p.telecom);
  return stripUndefined({
    id: localIdOf(graph, p, KEY.relative('')) ?? '',
    name: nameFromFhir(p.name),
    role: roleFromFhir(concepts),
    relationship: relationshipFromFhir(concepts),
    mantelzorger: concepts.some((c) =>
      c.coding?.some((x) => x.system === MANTELZORGER.system && x.code === MANTELZORGER.code),
    ),
    phones: phones.length ? phones : undefined,
    email: emailFromFhir(p.telecom),
  });
}

/** Naasten: one RelatedPerson each, owned by the document; the team section lists them in the CareTeam. */
export const relativesSection: Section = {
  name: 'relatives',
  toFhir: (doc) =>
    (doc.relatives ?? []).map((r) => ({ key: KEY.relative(r.id), resource: relativeToFhir(doc, r) })),
  fromFhir: (graph) => {
    const relatives = graph.items<RelatedPerson>(KEY.relative('')).map((p) => relativeFromFhir(graph, p));
    return relatives.length ? { relatives } : {};
  },
};
