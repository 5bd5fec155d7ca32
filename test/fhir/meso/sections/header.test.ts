import type { Provenance } from '@medplum/fhirtypes';
import { MESO_DOCUMENT_SYSTEM, MESO_ITEM_SYSTEM, placeholder } from '../../../../src/fhir/meso/graph';
import { KEY } from '../../../../src/fhir/meso/keys';
import { normalizeDocument } from '../../../../src/fhir/meso/normalize';
import { DOCUMENT_VERSION_EXTENSION, headerSection } from '../../../../src/fhir/meso/sections/header';
import type { MesoCarePlanDocument } from '../../../../src/meso-document/document';
import { EXAMPLE_NAMES, example, graphOf, plannedBy, validationErrors, variedDocument } from './people';

const documents: Array<[string, MesoCarePlanDocument]> = [
  ...EXAMPLE_NAMES.map((n) => [n, example(n)] as [string, MesoCarePlanDocument]),
  ['varied', variedDocument()],
];

const provenanceOf = (doc: MesoCarePlanDocument) => plannedBy(headerSection, doc)[0];

describe('header section', () => {
  it.each(documents)(
    '%s: the Provenance validates against R4 Provenance',
    async (_name, doc) => {
      expect(await validationErrors(provenanceOf(doc).resource, doc)).toEqual([]);
    },
    120_000,
  );

  it.each(documents)(
    '%s: the author wrote this version of the document, about the CarePlan',
    (_name, doc) => {
      const planned = provenanceOf(doc);
      expect(planned).toMatchObject({ key: KEY.provenance });
      expect(planned.shared).toBeFalsy();
      expect(planned.supportingInfo).toBeFalsy();
      const provenance = planned.resource as Provenance & { identifier?: unknown };
      expect(provenance.identifier).toBeUndefined();
      expect(JSON.stringify(provenance)).not.toContain(MESO_ITEM_SYSTEM);
      expect(provenance.target).toEqual([expect.objectContaining({ reference: placeholder(KEY.carePlan) })]);
      expect(provenance).toMatchObject({ occurredDateTime: doc.document.date, recorded: doc.document.date });
      expect(provenance.agent?.[0]).toMatchObject({
        type: { coding: [{ code: 'author' }] },
        who: { reference: placeholder(KEY.authorRole) },
      });
      const org = doc.document.author.organisation;
      expect(provenance.agent?.[0].onBehalfOf?.reference).toBe(
        org ? placeholder(KEY.organisation(org)) : undefined,
      );
      expect(provenance.entity).toEqual([
        {
          extension: [{ url: DOCUMENT_VERSION_EXTENSION, valuePositiveInt: doc.document.version }],
          role: 'source',
          what: {
            identifier: { system: MESO_DOCUMENT_SYSTEM, value: doc.document.id },
            display: `MESO-zorgbehandelplan ${doc.document.id} versie ${doc.document.version}`,
          },
        },
      ]);
    },
  );

  it.each(documents)('%s: round trip of the document header', (_name, doc) => {
    expect(headerSection.fromFhir(graphOf(doc))).toEqual({ document: normalizeDocument(doc).document });
  });

  it('an author without organisation acts on behalf of no one, and still comes back', async () => {
    const doc = example('elv-episode');
    delete doc.document.author.organisation;
    doc.document.version = 12;
    const provenance = provenanceOf(doc).resource as Provenance;
    expect(provenance.agent?.[0].onBehalfOf).toBeUndefined();
    expect(await validationErrors(provenance, doc)).toEqual([]);
    expect(headerSection.fromFhir(graphOf(doc))).toEqual({ document: normalizeDocument(doc).document });
  }, 120_000);
});
