import { normalizeDocument } from '../../../../src/fhir/meso/normalize';
import type { Planned } from '../../../../src/fhir/meso/graph';
import type { Section } from '../../../../src/fhir/meso/sections/section';
import type { MesoCarePlanDocument } from '../../../../src/meso-document/document';
import { EXAMPLE_NAMES, example, graphOf, plannedBy, valid, validationErrors } from './people';

/** What the tests of the clinical sections share, on top of people.ts (examples, planned graph, validator). */

export { example, graphOf, valid };

export const EXAMPLES = EXAMPLE_NAMES;

/** Only the given top-level fields of a document. */
export function fields(
  doc: MesoCarePlanDocument,
  ...names: Array<keyof MesoCarePlanDocument>
): Partial<MesoCarePlanDocument> {
  return Object.fromEntries(names.filter((n) => doc[n] !== undefined).map((n) => [n, doc[n]]));
}

/**
 * The three checks every clinical section test makes, over the examples and the variants: every resource the
 * section plans validates without errors; `check` asserts codes, identifier systems and references; and the
 * round trip of the section's own fields equals the normalised document.
 */
export function describeSection(
  section: Section,
  owned: Array<keyof MesoCarePlanDocument>,
  check: (doc: MesoCarePlanDocument, planned: Planned[]) => void,
  documents: Array<[string, MesoCarePlanDocument]>,
): void {
  describe.each(documents)('%s', (_name, doc) => {
    it('plans resources that validate against their profiles', async () => {
      for (const p of plannedBy(section, doc)) {
        expect(p.resource.meta?.profile?.length).toBe(1);
        expect([p.key, await validationErrors(p.resource, doc)]).toEqual([p.key, []]);
      }
    }, 120_000);

    it('uses the right codes, identifiers and references', () => check(doc, plannedBy(section, doc)));

    it('round-trips its part of the document', () => {
      expect(section.fromFhir(graphOf(doc))).toEqual(fields(normalizeDocument(doc), ...owned));
    });
  });
}
