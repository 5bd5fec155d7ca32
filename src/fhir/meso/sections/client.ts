import type { CodeableConcept, Organization, Patient } from '@medplum/fhirtypes';
import type { MesoCarePlanDocument } from '../../../meso-document/document';
import { IdentifierSystem } from '../../../domain/identifier-systems';
import { addressFromFhir, addressToFhir } from '../datatypes/address';
import { nameDisplay, nameFromFhir, nameToFhir, stripUndefined } from '../datatypes/name';
import { NL_CORE, organisationFromFhir } from '../datatypes/organisation';
import { emailFromFhir, phonesFromFhir, telecomToFhir } from '../datatypes/telecom';
import { keyRef } from '../graph';
import { KEY } from '../keys';
import type { Section } from './section';

type Client = MesoCarePlanDocument['client'];
type Gender = Client['gender'];

const CODE_SPEC = 'http://nictiz.nl/fhir/StructureDefinition/ext-CodeSpecification';
const ADMINISTRATIVE_GENDER = 'http://terminology.hl7.org/CodeSystem/v3-AdministrativeGender';
const NULL_FLAVOR = 'http://terminology.hl7.org/CodeSystem/v3-NullFlavor';

/**
 * zib GeslachtCodelijst → R4 gender (nl-core's ConceptMap GeslachtCodelijst-to-AdministrativeGender). R4's
 * `other` and `unknown` do not say which zib code was meant, so the zib code travels along in nl-core's
 * ext-CodeSpecification on `gender`, and that is what is read back.
 */
const GENDER: Record<Gender, { fhir: NonNullable<Patient['gender']>; system: string; display: string }> = {
  M: { fhir: 'male', system: ADMINISTRATIVE_GENDER, display: 'Male' },
  F: { fhir: 'female', system: ADMINISTRATIVE_GENDER, display: 'Female' },
  UN: { fhir: 'other', system: ADMINISTRATIVE_GENDER, display: 'Undifferentiated' },
  UNK: { fhir: 'unknown', system: NULL_FLAVOR, display: 'Unknown' },
};
const FROM_FHIR_GENDER: Record<string, Gender> = { male: 'M', female: 'F', other: 'UN', unknown: 'UNK' };

type JsonPatient = Patient & {
  _gender?: { extension?: Array<{ url: string; valueCodeableConcept?: CodeableConcept }> };
};

function patientToFhir(doc: MesoCarePlanDocument): Patient {
  const c = doc.client;
  const gender = GENDER[c.gender];
  const telecom = telecomToFhir(c.phones, c.email);
  const patient: JsonPatient = {
    resourceType: 'Patient',
    meta: { profile: [`${NL_CORE}nl-core-Patient`] },
    identifier: [{ system: IdentifierSystem.bsn, value: c.bsn }],
    active: true,
    name: nameToFhir(c.name),
    ...(telecom.length ? { telecom } : {}),
    gender: gender.fhir,
    _gender: {
      extension: [
        {
          url: CODE_SPEC,
          valueCodeableConcept: {
            coding: [{ system: gender.system, code: c.gender, display: gender.display }],
          },
        },
      ],
    },
    birthDate: c.birthDate,
    address: [addressToFhir(c.address)],
    generalPractitioner: [keyRef(KEY.gpPractice(doc), c.gpPractice.name)],
  };
  return patient;
}

function genderFromFhir(p: JsonPatient): Gender {
  const code = p._gender?.extension?.find((e) => e.url === CODE_SPEC)?.valueCodeableConcept?.coding?.[0]
    ?.code;
  if (code && code in GENDER) return code as Gender;
  return FROM_FHIR_GENDER[p.gender ?? 'unknown'];
}

/** The GP practice is a shared Organization (organisations section); the client reads back its own fields. */
function gpPracticeFromFhir(org: Organization | undefined): Client['gpPractice'] {
  const o = org ? organisationFromFhir(org) : { name: '', ura: '' };
  return stripUndefined({ name: o.name, agb: o.agb ?? '', ura: o.ura, phone: o.phone });
}

/** Cliënt ⇄ nl-core-Patient, shared and matched by BSN; the GP practice is `generalPractitioner`. */
export const clientSection: Section = {
  name: 'client',
  toFhir: (doc) => [{ key: KEY.patient, resource: patientToFhir(doc), shared: true }],
  fromFhir: (graph) => {
    const p = graph.resolve<JsonPatient>(graph.root.subject);
    if (!p) return {};
    const phones = phonesFromFhir(p.telecom);
    return {
      client: stripUndefined({
        bsn: p.identifier?.find((i) => i.system === IdentifierSystem.bsn)?.value ?? '',
        name: nameFromFhir(p.name),
        birthDate: p.birthDate ?? '',
        gender: genderFromFhir(p),
        address: addressFromFhir(p.address?.[0] ?? {}) as Client['address'],
        phones: phones.length ? phones : undefined,
        email: emailFromFhir(p.telecom),
        gpPractice: gpPracticeFromFhir(graph.resolve<Organization>(p.generalPractitioner?.[0])),
      }),
    };
  },
};

/** How other resources show the client (reference displays). */
export const clientDisplay = (doc: MesoCarePlanDocument) => nameDisplay(doc.client.name);
