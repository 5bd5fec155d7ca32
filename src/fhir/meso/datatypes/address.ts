import type { Address as FhirAddress } from '@medplum/fhirtypes';
import type { Address } from '../../../meso-document/document';
import { stripUndefined } from './name';

/**
 * zib AdresGegevens ⇄ nl-core-AddressInformation. Street and house number are line extensions; nl-core has one
 * buildingNumberSuffix for both huisletter and toevoeging, so a letter is written first and separated by a
 * space ("a 2"); reading back, a single letter before a space (or alone) is the huisletter. Normalisation: a
 * toevoeging that is one letter with no huisletter comes back as the huisletter.
 */

const EXT = {
  addressType: 'http://nictiz.nl/fhir/StructureDefinition/ext-AddressInformation.AddressType',
  streetName: 'http://hl7.org/fhir/StructureDefinition/iso21090-ADXP-streetName',
  houseNumber: 'http://hl7.org/fhir/StructureDefinition/iso21090-ADXP-houseNumber',
  suffix: 'http://hl7.org/fhir/StructureDefinition/iso21090-ADXP-buildingNumberSuffix',
  codeSpec: 'http://nictiz.nl/fhir/StructureDefinition/ext-CodeSpecification',
} as const;
const ADDRESS_USE = 'http://terminology.hl7.org/CodeSystem/v3-AddressUse';
const COUNTRY = 'urn:iso:std:iso:3166';

/** AdresSoort → the R4 use/type it implies, and its v3 AddressUse display (nl-core's ConceptMap). */
const ADDRESS_TYPE: Record<NonNullable<Address['addressType']>, [string, Partial<FhirAddress>]> = {
  HP: ['Primary Home', { use: 'home', type: 'physical' }],
  PST: ['Postal Address', { type: 'postal' }],
  PHYS: ['Physical Visit Address', { use: 'home', type: 'physical' }],
  TMP: ['Temporary Address', { use: 'temp' }],
  WP: ['Work Place', { use: 'work' }],
  HV: ['Vacation Home', { use: 'temp' }],
};

type Ext = {
  url: string;
  valueString?: string;
  valueCodeableConcept?: { coding?: Array<{ system?: string; code?: string; display?: string }> };
};
type JsonAddress = FhirAddress & {
  _line?: Array<{ extension?: Ext[] } | null>;
  _country?: { extension?: Ext[] };
};

const suffixOf = (a: Address) => [a.houseNumberLetter, a.houseNumberAddition].filter(Boolean).join(' ');

export function addressToFhir(a: Address): FhirAddress {
  const suffix = suffixOf(a);
  const type = a.addressType ? ADDRESS_TYPE[a.addressType] : undefined;
  const json: JsonAddress = {
    ...(type
      ? {
          extension: [
            {
              url: EXT.addressType,
              valueCodeableConcept: {
                coding: [{ system: ADDRESS_USE, code: a.addressType, display: type[0] }],
              },
            },
          ],
          ...type[1],
        }
      : {}),
    line: [[a.street, a.houseNumber, suffix].filter(Boolean).join(' ')],
    _line: [
      {
        extension: [
          { url: EXT.streetName, valueString: a.street },
          { url: EXT.houseNumber, valueString: a.houseNumber },
          ...(suffix ? [{ url: EXT.suffix, valueString: suffix }] : []),
        ],
      },
    ],
    city: a.city,
    postalCode: a.postalCode,
    ...(a.country
      ? {
          country: a.country,
          _country: {
            extension: [
              { url: EXT.codeSpec, valueCodeableConcept: { coding: [{ system: COUNTRY, code: a.country }] } },
            ],
          },
        }
      : {}),
  };
  return json as FhirAddress;
}

const lineExt = (a: JsonAddress, url: string) =>
  a._line?.[0]?.extension?.find((e) => e.url === url)?.valueString;

function splitSuffix(suffix: string | undefined): Pick<Address, 'houseNumberLetter' | 'houseNumberAddition'> {
  if (!suffix) return {};
  const m = /^([A-Za-z])(?: (.+))?$/.exec(suffix);
  return m ? { houseNumberLetter: m[1], houseNumberAddition: m[2] } : { houseNumberAddition: suffix };
}

export function addressFromFhir(fhir: FhirAddress | undefined): Address | undefined {
  if (!fhir) return undefined;
  const a = fhir as JsonAddress;
  const typeCode = a.extension?.find((e) => e.url === EXT.addressType)?.valueCodeableConcept?.coding?.[0]
    ?.code;
  const country = a._country?.extension?.find((e) => e.url === EXT.codeSpec)?.valueCodeableConcept
    ?.coding?.[0];
  return stripUndefined({
    street: lineExt(a, EXT.streetName) ?? a.line?.[0] ?? '',
    houseNumber: lineExt(a, EXT.houseNumber) ?? '',
    ...stripUndefined(splitSuffix(lineExt(a, EXT.suffix))),
    postalCode: a.postalCode ?? '',
    city: a.city ?? '',
    country: country?.code ?? a.country,
    addressType: typeCode as Address['addressType'],
  });
}
