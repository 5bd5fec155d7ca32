import fs from 'node:fs';
import path from 'node:path';
import type { OperationOutcomeIssue, Resource } from '@medplum/fhirtypes';
import {
  itemIdentifier,
  plannedBundle,
  plannedGraph,
  type Graph,
  type Planned,
} from '../../../../src/fhir/meso/graph';
import { KEY } from '../../../../src/fhir/meso/keys';
import { documentToFhir } from '../../../../src/fhir/meso/mapping';
import { normalizeDocument } from '../../../../src/fhir/meso/normalize';
import type { Section } from '../../../../src/fhir/meso/sections/section';
import { ResourceValidator } from '../../../../src/fhir/validation/validator';
import type { MesoCarePlanDocument } from '../../../../src/meso-document/document';
import { validateMesoDocument } from '../../../../src/meso-document/validate';

export const EXAMPLES = ['eenvoudig', 'escalatie-wilsverklaring', 'elv-episode'] as const;

/** A fresh copy of an example document from examples/meso. */
export function example(name: (typeof EXAMPLES)[number]): MesoCarePlanDocument {
  const file = path.resolve(__dirname, '../../../../examples/meso', `${name}.json`);
  return JSON.parse(fs.readFileSync(file, 'utf8')) as MesoCarePlanDocument;
}

/** A test document must be one the service accepts, or the round trip proves nothing. */
export function valid(doc: MesoCarePlanDocument): MesoCarePlanDocument {
  const result = validateMesoDocument(doc);
  if (!result.valid) throw new Error(JSON.stringify(result.errors, null, 2));
  return doc;
}

/** What a section plans for a document, as documentToFhir gives it (with the CarePlan's supportingInfo). */
export function plannedBy(section: Section, doc: MesoCarePlanDocument): Planned[] {
  const keys = new Set(section.toFhir(doc).map((p) => p.key));
  return documentToFhir(doc).filter((p) => keys.has(p.key));
}

/**
 * The planned graph, plus minimal stand-ins for what other sections build (patient, team roles, relatives)
 * when those are not planned yet, carrying the item identifiers a fromFhir reads local ids from.
 */
export function graphOf(doc: MesoCarePlanDocument): Graph {
  const planned = documentToFhir(doc);
  const have = new Set(planned.map((p) => p.key));
  const stub = (key: string, resource: Resource): Planned[] => (have.has(key) ? [] : [{ key, resource }]);
  const owned = (key: string) => ({ identifier: [itemIdentifier(doc.document.id, key)] });
  const stubs = [
    ...stub(KEY.patient, { resourceType: 'Patient' }),
    ...doc.team.members.flatMap((m) =>
      stub(KEY.memberRole(m.id), { resourceType: 'PractitionerRole', ...owned(KEY.memberRole(m.id)) }),
    ),
    ...(doc.relatives ?? []).flatMap((r) =>
      stub(KEY.relative(r.id), {
        resourceType: 'RelatedPerson',
        patient: {},
        ...owned(KEY.relative(r.id)),
      } as Resource),
    ),
  ];
  return plannedGraph([...planned, ...stubs]);
}

let shared: Promise<ResourceValidator> | undefined;
export const validator = () => (shared ??= ResourceValidator.load());

/** Error and fatal issues of a planned resource, validated against the whole planned set. */
export async function errorsOf(doc: MesoCarePlanDocument, resource: Resource): Promise<string[]> {
  const v = await validator();
  const issues: OperationOutcomeIssue[] = v.validate(resource, {
    bundle: plannedBundle(documentToFhir(doc)),
  });
  return issues
    .filter((i) => i.severity === 'error' || i.severity === 'fatal')
    .map((i) => `${i.expression?.join()}: ${i.diagnostics}`);
}

/** Only the given top-level fields of a document. */
export function fields(
  doc: MesoCarePlanDocument,
  ...names: Array<keyof MesoCarePlanDocument>
): Partial<MesoCarePlanDocument> {
  return Object.fromEntries(names.filter((n) => doc[n] !== undefined).map((n) => [n, doc[n]]));
}

/**
 * The three checks every section test makes, over the examples and the variants: every resource the section
 * plans validates without errors; `check` asserts codes, identifier systems and references; and the round trip
 * of the section's own fields equals the normalised document.
 */
export function describeSection(
  section: Section,
  owned: Array<keyof MesoCarePlanDocument>,
  check: (doc: MesoCarePlanDocument, planned: Planned[]) => void,
  documents: Array<[string, MesoCarePlanDocument]>,
): void {
  beforeAll(() => validator(), 120_000);

  describe.each(documents)('%s', (_name, doc) => {
    it('plans resources that validate against their profiles', async () => {
      for (const p of plannedBy(section, doc)) {
        expect(p.resource.meta?.profile?.length).toBe(1);
        expect([p.key, await errorsOf(doc, p.resource)]).toEqual([p.key, []]);
      }
    });

    it('uses the right codes, identifiers and references', () => check(doc, plannedBy(section, doc)));

    it('round-trips its part of the document', () => {
      expect(section.fromFhir(graphOf(doc))).toEqual(fields(normalizeDocument(doc), ...owned));
    });
  });
}
