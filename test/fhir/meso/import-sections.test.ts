import { importFlows } from './support/import-flows';
import { importDocument, SECTION_MAPPING } from '../../../src/fhir/meso/import';
import { IdentifierSystem } from '../../../src/domain/identifier-systems';
import { importDatabase, mesoCtx, withIdentifier } from './support/import-support';
import { exportDocument } from '../../../src/fhir/meso/export';
import { normalizeDocument } from '../../../src/fhir/meso/normalize';
import { example } from './support/mini-mapping';

// The import flows on the real document mapping (src/fhir/meso/sections).
describe('MESO document import (sections)', () => {
  importFlows(SECTION_MAPPING);
});

// Only a shared resource that does not exist yet is locked while an import decides to create it (import-ids.ts):
// two documents naming the same new professional, imported at once, must still create her once.
describe('MESO document import: concurrent documents sharing a new professional', () => {
  const t = importDatabase();

  it('creates the Practitioner once', async () => {
    const uzi = '900079991';
    const document = (id: string, bsn: string) => {
      const doc = structuredClone(example('eenvoudig'));
      doc.document.id = id;
      doc.client.bsn = bsn;
      doc.document.author.identifiers = { uzi };
      return doc;
    };
    const results = await Promise.all([
      importDocument(t.repo, mesoCtx('a'), document('zbp-test-shared-a', '999990111')),
      importDocument(t.repo, mesoCtx('b'), document('zbp-test-shared-b', '999990123')),
    ]);
    expect(results.map((r) => r.status)).toEqual([201, 201]);
    expect(await withIdentifier(t.repo, 'Practitioner', IdentifierSystem.uziPerson, uzi)).toHaveLength(1);
  });
});

// Found by the database round-trip property: items of one kind whose keys have an extra segment (a repeated
// treatment limit, a functional-status domain that comes back) must still read back in document order.
describe('MESO document import: repeated treatments and domains keep their order', () => {
  const t = importDatabase();

  it('exports them in the order they were posted', async () => {
    const doc = structuredClone(example('eenvoudig'));
    doc.document.id = 'zbp-test-repeats';
    doc.client.bsn = '999990135';
    doc.advanceDirectives = {
      ...doc.advanceDirectives,
      treatmentLimits: [
        { treatment: 'reanimatie', permitted: 'NEE', verificationDate: '2026-01-05' },
        { treatment: 'reanimatie', permitted: 'JA', verificationDate: '2024-01-01' },
        { treatment: 'beademing', permitted: 'NEE', verificationDate: '2026-01-05' },
      ],
    };
    doc.circumstances = {
      ...doc.circumstances,
      functionalStatus: [
        { domain: 'mobiliteit', finding: 'Loopt met rollator' },
        { domain: 'zelfzorg', finding: 'Hulp bij wassen' },
        { domain: 'mobiliteit', finding: 'Traplopen lukt niet meer' },
      ],
    };
    await importDocument(t.repo, mesoCtx(), doc);
    const exported = await exportDocument(t.repo, mesoCtx(), doc.document.id);
    expect(exported.document).toEqual(normalizeDocument(doc));
  });
});
