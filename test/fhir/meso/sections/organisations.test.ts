import type { Organization } from '@medplum/fhirtypes';
import { IdentifierSystem } from '../../../../src/domain/identifier-systems';
import { organisationFromFhir } from '../../../../src/fhir/meso/datatypes/organisation';
import { keyRef } from '../../../../src/fhir/meso/graph';
import { KEY } from '../../../../src/fhir/meso/keys';
import { organisationMentions } from '../../../../src/fhir/meso/mentions';
import { normalizeDocument } from '../../../../src/fhir/meso/normalize';
import { organisationsSection } from '../../../../src/fhir/meso/sections/organisations';
import type { MesoCarePlanDocument, Organisation } from '../../../../src/meso-document/document';
import { EXAMPLE_NAMES, example, graphOf, plannedBy, validationErrors, variedDocument } from './people';

const documents: Array<[string, MesoCarePlanDocument]> = [
  ...EXAMPLE_NAMES.map((n) => [n, example(n)] as [string, MesoCarePlanDocument]),
  ['varied', variedDocument()],
];

describe('organisations section', () => {
  it.each(documents)(
    '%s: every Organization validates',
    async (_name, doc) => {
      for (const p of plannedBy(organisationsSection, doc))
        expect([p.key, await validationErrors(p.resource, doc)]).toEqual([p.key, []]);
    },
    120_000,
  );

  it.each(documents)('%s: one shared Organization per URA the document names, by URA', (_name, doc) => {
    const planned = plannedBy(organisationsSection, doc);
    const uras = [...new Set(organisationMentions(doc).map((o) => o.ura))];
    expect(planned.map((p) => p.key)).toEqual(uras.map((ura) => KEY.organisation({ ura })));
    for (const p of planned) {
      expect(p.shared).toBe(true);
      const org = p.resource as Organization;
      expect(org.meta?.profile).toEqual([
        'http://nictiz.nl/fhir/StructureDefinition/nl-core-HealthcareProvider-Organization',
      ]);
      expect(org.identifier?.[0]).toEqual({ system: IdentifierSystem.ura, value: p.key.split('/')[2] });
    }
    expect(organisationsSection.fromFhir(graphOf(doc))).toEqual({});
  });

  it.each(documents)('%s: each mention reads back as its normalised organisation', (_name, doc) => {
    const graph = graphOf(doc);
    const read = (o: Organisation) =>
      organisationFromFhir(graph.resolve<Organization>(keyRef(KEY.organisation(o))) as Organization);
    const normal = normalizeDocument(doc);
    for (const o of organisationMentions(normal).filter((m) => m !== normal.client.gpPractice))
      expect(read(o)).toEqual(o);
  });

  it('the first mention wins a field; later mentions fill what it lacks', () => {
    const doc = variedDocument();
    const gp = normalizeDocument(doc).team.members[2].professional.organisation;
    expect(gp).toEqual({
      name: 'Praktijk Kerkplein',
      ura: doc.client.gpPractice.ura,
      agb: doc.client.gpPractice.agb,
      phone: doc.client.gpPractice.phone,
    });
  });

  it('normalisation is idempotent', () => {
    for (const [, doc] of documents)
      expect(normalizeDocument(normalizeDocument(doc))).toEqual(normalizeDocument(doc));
  });
});
