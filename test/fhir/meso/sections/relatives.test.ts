import type { RelatedPerson } from '@medplum/fhirtypes';
import fc from 'fast-check';
import { itemIdentifier, placeholder } from '../../../../src/fhir/meso/graph';
import { KEY } from '../../../../src/fhir/meso/keys';
import { normalizeDocument } from '../../../../src/fhir/meso/normalize';
import { relativesSection } from '../../../../src/fhir/meso/sections/relatives';
import type { MesoCarePlanDocument, Relative } from '../../../../src/meso-document/document';
import { EXAMPLE_NAMES, example, graphOf, plannedBy, validationErrors, variedDocument } from './people';

const documents: Array<[string, MesoCarePlanDocument]> = [
  ...EXAMPLE_NAMES.map((n) => [n, example(n)] as [string, MesoCarePlanDocument]),
  ['varied', variedDocument()],
];

const ROLES: Relative['role'][] = [
  'eerste-contactpersoon',
  'tweede-contactpersoon',
  'wettelijk-vertegenwoordiger',
  'mentor',
  'curator',
  'bewindvoerder',
  'gemachtigde',
  'contactpersoon',
  'overig',
];
const RELATIONSHIPS: Relative['relationship'][] = [
  'echtgenoot',
  'echtgenote',
  'partner',
  'dochter',
  'zoon',
  'schoondochter',
  'schoonzoon',
  'kleinkind',
  'zus',
  'broer',
  'nicht',
  'neef',
  'buur',
  'vriend',
  'overig',
];

/** One relative of every role and every relationship, mantelzorger or not. */
function everyKind(): MesoCarePlanDocument {
  const doc = example('eenvoudig');
  doc.relatives = RELATIONSHIPS.map((relationship, i) => ({
    id: `naaste-${i}`,
    name: { ownName: `Naaste${i}`, nameUsage: 'NL1' },
    role: ROLES[i % ROLES.length],
    relationship,
    mantelzorger: i % 2 === 0,
  }));
  return doc;
}

describe('relatives section', () => {
  it.each([...documents, ['every kind', everyKind()] as [string, MesoCarePlanDocument]])(
    '%s: every RelatedPerson validates against nl-core-ContactPerson',
    async (_name, doc) => {
      for (const p of plannedBy(relativesSection, doc))
        expect([p.key, await validationErrors(p.resource, doc)]).toEqual([p.key, []]);
    },
    120_000,
  );

  it.each(documents)('%s: owned RelatedPersons of the patient, coded role and relationship', (_name, doc) => {
    const planned = plannedBy(relativesSection, doc);
    expect(planned.map((p) => p.key)).toEqual((doc.relatives ?? []).map((r) => KEY.relative(r.id)));
    planned.forEach((p, i) => {
      const person = p.resource as RelatedPerson;
      const relative = (doc.relatives ?? [])[i];
      expect(p.shared).toBeFalsy();
      expect(person.identifier).toEqual([itemIdentifier(doc.document.id, KEY.relative(relative.id))]);
      expect(person.patient.reference).toBe(placeholder(KEY.patient));
      const systems = person.relationship?.map((c) => c.coding?.[0].system);
      expect(systems?.[0]).toBe('urn:oid:2.16.840.1.113883.2.4.3.11.22.472');
      expect(systems?.includes('urn:oid:2.16.840.1.113883.2.4.3.11.60.40.4.23.1')).toBe(
        relative.mantelzorger,
      );
    });
  });

  it('eenvoudig: the daughter is eerste contactpersoon (01), mantelzorger (100001) and DAUC', () => {
    const person = plannedBy(relativesSection, example('eenvoudig'))[0].resource as RelatedPerson;
    expect(person.relationship?.map((c) => c.coding?.[0].code)).toEqual(['01', '100001', 'DAUC']);
    expect(person.telecom).toEqual([{ system: 'phone', value: '+31612345601', use: 'mobile' }]);
  });

  it.each([...documents, ['every kind', everyKind()] as [string, MesoCarePlanDocument]])(
    '%s: round trip of the relatives',
    (_name, doc) => {
      const normal = normalizeDocument(doc);
      expect(relativesSection.fromFhir(graphOf(doc))).toEqual(
        normal.relatives ? { relatives: normal.relatives } : {},
      );
    },
  );

  it('property: any role, relationship and mantelzorger comes back', () => {
    const relative = fc.record({
      role: fc.constantFrom(...ROLES),
      relationship: fc.constantFrom(...RELATIONSHIPS),
      mantelzorger: fc.boolean(),
    });
    fc.assert(
      fc.property(fc.array(relative, { maxLength: 4 }), (kinds) => {
        const doc = example('eenvoudig');
        doc.relatives = kinds.map((k, i) => ({
          id: `r${i}`,
          name: { ownName: 'Naaste', nameUsage: 'NL1' },
          ...k,
        }));
        const back = relativesSection.fromFhir(graphOf(doc)).relatives ?? [];
        expect(back).toEqual(normalizeDocument(doc).relatives ?? []);
      }),
      { numRuns: 200 },
    );
  });
});
