import type { Organization, Patient } from '@medplum/fhirtypes';
import { IdentifierSystem } from '../../../../src/domain/identifier-systems';
import { placeholder } from '../../../../src/fhir/meso/graph';
import { KEY } from '../../../../src/fhir/meso/keys';
import { normalizeDocument } from '../../../../src/fhir/meso/normalize';
import { clientSection } from '../../../../src/fhir/meso/sections/client';
import type { MesoCarePlanDocument } from '../../../../src/meso-document/document';
import { EXAMPLE_NAMES, example, graphOf, plannedBy, validationErrors, variedDocument } from './people';

const documents: Array<[string, MesoCarePlanDocument]> = [
  ...EXAMPLE_NAMES.map((n) => [n, example(n)] as [string, MesoCarePlanDocument]),
  ['varied', variedDocument()],
];

describe('client section', () => {
  it.each(documents)(
    '%s: the Patient validates against nl-core-Patient',
    async (_name, doc) => {
      const [patient] = plannedBy(clientSection, doc);
      expect(await validationErrors(patient.resource, doc)).toEqual([]);
    },
    120_000,
  );

  it.each(documents)('%s: a shared Patient, matched by BSN, with the GP practice', (_name, doc) => {
    const planned = plannedBy(clientSection, doc);
    expect(planned).toHaveLength(1);
    expect(planned[0]).toMatchObject({ key: KEY.patient, shared: true });
    const patient = planned[0].resource as Patient;
    expect(patient.meta?.profile).toEqual(['http://nictiz.nl/fhir/StructureDefinition/nl-core-Patient']);
    expect(patient.identifier).toEqual([{ system: IdentifierSystem.bsn, value: doc.client.bsn }]);
    expect(patient.generalPractitioner?.[0].reference).toBe(placeholder(KEY.gpPractice(doc)));
    const gp = graphOf(doc).resolve<Organization>(patient.generalPractitioner?.[0]);
    expect(gp?.identifier).toContainEqual({ system: IdentifierSystem.ura, value: doc.client.gpPractice.ura });
  });

  it.each([
    ['M', 'male', 'http://terminology.hl7.org/CodeSystem/v3-AdministrativeGender'],
    ['F', 'female', 'http://terminology.hl7.org/CodeSystem/v3-AdministrativeGender'],
    ['UN', 'other', 'http://terminology.hl7.org/CodeSystem/v3-AdministrativeGender'],
    ['UNK', 'unknown', 'http://terminology.hl7.org/CodeSystem/v3-NullFlavor'],
  ] as const)(
    'gender %s is %s with the zib code in ext-CodeSpecification, and comes back',
    (code, fhir, system) => {
      const doc = example('eenvoudig');
      doc.client.gender = code;
      const patient = plannedBy(clientSection, doc)[0].resource as Patient & {
        _gender?: { extension?: Array<{ url: string; valueCodeableConcept?: { coding?: unknown[] } }> };
      };
      expect(patient.gender).toBe(fhir);
      expect(patient._gender?.extension?.[0]).toMatchObject({
        url: 'http://nictiz.nl/fhir/StructureDefinition/ext-CodeSpecification',
        valueCodeableConcept: { coding: [{ system, code }] },
      });
      expect(clientSection.fromFhir(graphOf(doc)).client?.gender).toBe(code);
    },
  );

  it.each(documents)('%s: round trip of the client', (_name, doc) => {
    expect(clientSection.fromFhir(graphOf(doc))).toEqual({ client: normalizeDocument(doc).client });
  });

  it('varied: the GP practice keeps its AGB and phone though a team member named it first without them', () => {
    const doc = variedDocument();
    expect(clientSection.fromFhir(graphOf(doc)).client?.gpPractice).toEqual({
      name: 'Praktijk Kerkplein',
      agb: doc.client.gpPractice.agb,
      ura: doc.client.gpPractice.ura,
      phone: doc.client.gpPractice.phone,
    });
  });
});
