import type { Patient } from '@medplum/fhirtypes';
import { pick, prng } from '../src/generate/random';
import { FEMALE_NAMES, MALE_NAMES, SURNAMES as DRENTHE_SURNAMES } from '../src/generate/drenthe';

export const BSN_SYSTEM = 'http://fhir.nl/fhir/NamingSystem/bsn';
export const NL_CORE_PATIENT = 'http://nictiz.nl/fhir/StructureDefinition/nl-core-Patient';
const EXT = 'http://hl7.org/fhir/StructureDefinition';
const NICTIZ_EXT = 'http://nictiz.nl/fhir/StructureDefinition';

/**
 * Test BSNs: prefix 9999, then a 4-digit counter, then the check digit that makes the number pass the
 * 11-proef (9·d1 + 8·d2 + … + 2·d8 − d9 ≡ 0 mod 11). Counters whose check digit would be 10 are skipped.
 */
export function testBsns(count: number): string[] {
  const out: string[] = [];
  for (let counter = 0; counter < 10_000 && out.length < count; counter++) {
    const first8 = `9999${String(counter).padStart(4, '0')}`;
    let sum = 0;
    for (let i = 0; i < 8; i++) sum += (9 - i) * Number(first8[i]);
    const check = sum % 11;
    if (check === 10) continue;
    out.push(first8 + check);
  }
  if (out.length < count)
    throw new Error(`Only ${out.length} test BSNs with prefix 9999 exist, ${count} asked`);
  return out;
}

/** The 11-proef itself, to check the generator (and nothing else). */
export function passesElfproef(bsn: string): boolean {
  if (!/^\d{9}$/.test(bsn)) return false;
  let sum = -Number(bsn[8]);
  for (let i = 0; i < 8; i++) sum += (9 - i) * Number(bsn[i]);
  return sum % 11 === 0;
}

// The generator's vocabulary (src/generate/drenthe.ts), cut to the lists this bench was recorded with: the
// validator's issue snapshot (test/fhir/validation/issue-snapshot.json) holds fictionalPatients(64) exactly.
const FEMALE = FEMALE_NAMES.slice(0, 10);
const MALE = MALE_NAMES.slice(0, 10);
const SURNAMES = DRENTHE_SURNAMES.slice(0, 12);
const PLACES: [city: string, postalPrefix: string][] = [
  ['Beilen', '9411'],
  ['Assen', '9401'],
  ['Emmen', '7811'],
  ['Hoogeveen', '7901'],
  ['Meppel', '7941'],
  ['Coevorden', '7741'],
];
const STREETS = ['Kerkstraat', 'Dorpsstraat', 'Molenweg', 'Brink', 'Stationsweg', 'Schoolstraat'];

/** `count` fictional nl-core Patients (elderly MESO clients), each with its own test BSN. */
export function fictionalPatients(count: number, seed = 20_251_123): Patient[] {
  const rnd = prng(seed);
  return testBsns(count).map((bsn) => {
    const female = rnd() < 0.6;
    const given = [pick(rnd, female ? FEMALE : MALE), pick(rnd, female ? FEMALE : MALE)];
    const [prefix, own] = pick(rnd, SURNAMES);
    const family = prefix ? `${prefix} ${own}` : own;
    const [city, postal] = pick(rnd, PLACES);
    const street = pick(rnd, STREETS);
    const houseNumber = String(1 + Math.floor(rnd() * 120));
    const year = 1925 + Math.floor(rnd() * 25);
    const month = String(1 + Math.floor(rnd() * 12)).padStart(2, '0');
    const day = String(1 + Math.floor(rnd() * 28)).padStart(2, '0');
    const letters = String.fromCharCode(65 + Math.floor(rnd() * 26), 65 + Math.floor(rnd() * 26));
    // @medplum/fhirtypes has no primitive-extension fields (_family, _given, _gender, _line): built untyped.
    const patient = {
      resourceType: 'Patient',
      meta: { profile: [NL_CORE_PATIENT] },
      identifier: [{ system: BSN_SYSTEM, value: bsn }],
      active: true,
      name: [
        {
          use: 'official',
          text: `${given.join(' ')} ${family}`,
          family,
          _family: {
            extension: [
              ...(prefix ? [{ url: `${EXT}/humanname-own-prefix`, valueString: prefix }] : []),
              { url: `${EXT}/humanname-own-name`, valueString: own },
            ],
          },
          given,
          _given: given.map(() => ({
            extension: [{ url: `${EXT}/iso21090-EN-qualifier`, valueCode: 'BR' }],
          })),
        },
      ],
      telecom: [
        {
          system: 'phone',
          value: `+3159355${String(Math.floor(rnd() * 10_000)).padStart(4, '0')}`,
          use: 'home',
        },
      ],
      gender: female ? 'female' : 'male',
      _gender: {
        extension: [
          {
            url: `${NICTIZ_EXT}/ext-CodeSpecification`,
            valueCodeableConcept: {
              coding: [
                {
                  system: 'http://terminology.hl7.org/CodeSystem/v3-AdministrativeGender',
                  code: female ? 'F' : 'M',
                  display: female ? 'Female' : 'Male',
                },
              ],
            },
          },
        ],
      },
      birthDate: `${year}-${month}-${day}`,
      deceasedBoolean: false,
      address: [
        {
          use: 'home',
          type: 'both',
          line: [`${street} ${houseNumber}`],
          _line: [
            {
              extension: [
                { url: `${EXT}/iso21090-ADXP-streetName`, valueString: street },
                { url: `${EXT}/iso21090-ADXP-houseNumber`, valueString: houseNumber },
              ],
            },
          ],
          city,
          postalCode: `${postal} ${letters}`,
          country: 'Nederland',
        },
      ],
    };
    return patient as unknown as Patient;
  });
}

/** The patient's BSN (every generated patient has exactly one). */
export function bsnOf(patient: Patient): string {
  const value = patient.identifier?.find((i) => i.system === BSN_SYSTEM)?.value;
  if (!value) throw new Error(`Patient ${patient.id ?? '(new)'} has no BSN`);
  return value;
}
