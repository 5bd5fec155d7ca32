import type { CodeableConcept, Coding, Reference, Resource } from '@medplum/fhirtypes';
import { canonical } from '../domain/canonical';
import { IdentifierSystem } from '../domain/identifier-systems';

/** Building blocks shaped like the demo scenario's (examples/build-demo-data.mjs), which conform. */

const NL = 'http://nictiz.nl/fhir/StructureDefinition/';
export const SCT = 'http://snomed.info/sct';

export const PROFILE = {
  patient: `${NL}nl-core-Patient`,
  practitioner: `${NL}nl-core-HealthProfessional-Practitioner`,
  practitionerRole: `${NL}nl-core-HealthProfessional-PractitionerRole`,
  organization: `${NL}nl-core-HealthcareProvider-Organization`,
  problem: `${NL}nl-core-Problem`,
  goal: `${NL}nl-core-TreatmentObjective`,
  barthel: `${NL}nl-core-BarthelADLIndex`,
  careTeam: canonical('StructureDefinition', 'meso-careteam'),
  zorgtraject: canonical('StructureDefinition', 'meso-zorgtraject'),
  carePlan: canonical('StructureDefinition', 'meso-careplan'),
  referralRequest: canonical('StructureDefinition', 'meso-referral-servicerequest'),
  referralTask: canonical('StructureDefinition', 'meso-referral-task'),
} as const;

export const CS = {
  trajectory: canonical('CodeSystem', 'trajectory-type'),
  referralKind: canonical('CodeSystem', 'referral-kind'),
  rejection: canonical('CodeSystem', 'referral-rejection-reason'),
  problemDomain: canonical('CodeSystem', 'problem-domain'),
  mgz: canonical('CodeSystem', 'mgz-service'),
  participationType: 'http://terminology.hl7.org/CodeSystem/v3-ParticipationType',
  uziRol: 'http://fhir.nl/fhir/NamingSystem/uzi-rolcode',
  orgType: 'http://nictiz.nl/fhir/NamingSystem/organization-type',
  icpc: 'http://hl7.org/fhir/sid/icpc-1-nl',
  icf: 'http://hl7.org/fhir/sid/icf-nl',
} as const;

/** Business identifiers of generated records (care plans, teams, referrals, …). */
export const REGION_ID_SYSTEM = canonical('NamingSystem', 'region-id');
export const NS = IdentifierSystem;

const EXT = {
  qualifier: 'http://hl7.org/fhir/StructureDefinition/iso21090-EN-qualifier',
  assemblyOrder: 'http://hl7.org/fhir/StructureDefinition/humanname-assembly-order',
  ownPrefix: 'http://hl7.org/fhir/StructureDefinition/humanname-own-prefix',
  ownName: 'http://hl7.org/fhir/StructureDefinition/humanname-own-name',
  partnerName: 'http://hl7.org/fhir/StructureDefinition/humanname-partner-name',
  codeSpec: 'http://nictiz.nl/fhir/StructureDefinition/ext-CodeSpecification',
  addressType: 'http://nictiz.nl/fhir/StructureDefinition/ext-AddressInformation.AddressType',
  streetName: 'http://hl7.org/fhir/StructureDefinition/iso21090-ADXP-streetName',
  houseNumber: 'http://hl7.org/fhir/StructureDefinition/iso21090-ADXP-houseNumber',
};

export const coding = (system: string, code: string, display?: string): Coding => ({ system, code, display });
export const cc = (system: string, code: string, display?: string, text?: string): CodeableConcept => ({
  coding: [coding(system, code, display)],
  ...(text ? { text } : {}),
});
export const meta = (profile: string) => ({ profile: [profile] });
export const regionId = (value: string) => ({ system: REGION_ID_SYSTEM, value });
/** A relative reference; typed by where it is used (Reference<Patient>, …), which the generator knows. */
export function ref<T extends Resource = Resource>(
  type: T['resourceType'],
  id: string,
  display?: string,
  extra: Partial<Reference> = {},
): Reference<T> {
  return { reference: `${type}/${id}`, type, ...(display ? { display } : {}), ...extra } as Reference<T>;
}

export interface PersonName {
  given: string[];
  ownPrefix?: string;
  ownName: string;
  partnerName?: string;
}

export const nameText = (n: PersonName): string => `${n.given.join(' ')} ${familyOf(n)}`;
const familyOf = (n: PersonName) => {
  const own = [n.ownPrefix, n.ownName].filter(Boolean).join(' ');
  return n.partnerName ? `${n.partnerName}-${own}` : own;
};

/** nl-core name parts as primitive extensions (untyped: @medplum/fhirtypes has no `_family`). */
export function officialName(n: PersonName): Record<string, unknown> {
  return {
    extension: [{ url: EXT.assemblyOrder, valueCode: n.partnerName ? 'NL3' : 'NL1' }],
    use: 'official',
    text: nameText(n),
    family: familyOf(n),
    _family: {
      extension: [
        ...(n.ownPrefix ? [{ url: EXT.ownPrefix, valueString: n.ownPrefix }] : []),
        { url: EXT.ownName, valueString: n.ownName },
        ...(n.partnerName ? [{ url: EXT.partnerName, valueString: n.partnerName }] : []),
      ],
    },
    given: n.given,
    _given: n.given.map(() => ({ extension: [{ url: EXT.qualifier, valueCode: 'BR' }] })),
  };
}

export interface PostalAddress {
  street: string;
  number: string;
  postalCode: string;
  city: string;
}

export function address(a: PostalAddress, use: 'home' | 'work'): Record<string, unknown> {
  const type = use === 'home' ? ['HP', 'Primary Home'] : ['WP', 'Work Place'];
  return {
    extension: [
      {
        url: EXT.addressType,
        valueCodeableConcept: cc('http://terminology.hl7.org/CodeSystem/v3-AddressUse', type[0], type[1]),
      },
    ],
    use,
    type: 'both',
    line: [`${a.street} ${a.number}`],
    _line: [
      {
        extension: [
          { url: EXT.streetName, valueString: a.street },
          { url: EXT.houseNumber, valueString: a.number },
        ],
      },
    ],
    city: a.city,
    postalCode: a.postalCode,
    country: 'Nederland',
    _country: {
      extension: [{ url: EXT.codeSpec, valueCodeableConcept: cc('urn:iso:std:iso:3166', 'NL', 'Nederland') }],
    },
  };
}

export const phone = (value: string, use: 'home' | 'work' | 'mobile') => ({ system: 'phone', value, use });

export function gender(g: 'female' | 'male'): Record<string, unknown> {
  const code = g === 'female' ? ['F', 'Female'] : ['M', 'Male'];
  return {
    gender: g,
    _gender: {
      extension: [
        {
          url: EXT.codeSpec,
          valueCodeableConcept: cc(
            'http://terminology.hl7.org/CodeSystem/v3-AdministrativeGender',
            code[0],
            code[1],
          ),
        },
      ],
    },
  };
}

/** Europe/Amsterdam offset, close enough for generated dates (summer time April–October). */
export const dutchOffset = (date: string): string => {
  const month = Number(date.slice(5, 7));
  return month >= 4 && month <= 10 ? '+02:00' : '+01:00';
};
