import fc from 'fast-check';
import { documentToFhir, fhirToDocument } from '../../../src/fhir/meso/mapping';
import { plannedGraph } from '../../../src/fhir/meso/graph';
import { normalizeDocument } from '../../../src/fhir/meso/normalize';
import { importDocument } from '../../../src/fhir/meso/import';
import { exportDocument } from '../../../src/fhir/meso/export';
import type { MesoCarePlanDocument } from '../../../src/meso-document/document';
import { validateMesoDocument } from '../../../src/meso-document/validate';
import { validDocument } from './support/document-arbitrary';
import { EXAMPLES, example } from './support/mini-mapping';
import { importDatabase, serviceCtx } from './support/import-support';

/**
 * Issue 10: import then export equals the input after the documented normalisation (normalize.ts). The pure
 * property maps both ways without a database; the smaller one imports into PostgreSQL and exports again.
 * Both depend on every section of src/fhir/meso/sections being mapped.
 */
const RUNS = Number(process.env.FUZZ_RUNS ?? 100);
const DB_RUNS = Math.max(1, Math.min(10, Math.round(RUNS / 10)));

const pureRoundTrip = (doc: MesoCarePlanDocument) => fhirToDocument(plannedGraph(documentToFhir(doc)));

describe('MESO document round trip', () => {
  it('generates valid documents only', () => {
    fc.assert(
      fc.property(validDocument(), (doc) => {
        const result = validateMesoDocument(doc);
        expect(result.valid ? [] : result.errors).toEqual([]);
      }),
      { numRuns: RUNS },
    );
  });

  it.each(EXAMPLES)('maps %s to FHIR and back to the normalised document', (name) => {
    const doc = example(name);
    expect(pureRoundTrip(doc)).toEqual(normalizeDocument(doc));
  });

  it('fhirToDocument(plannedGraph(documentToFhir(doc))) equals normalizeDocument(doc) for generated documents', () => {
    fc.assert(
      fc.property(validDocument(), (doc) => {
        expect(pureRoundTrip(doc)).toEqual(normalizeDocument(doc));
      }),
      { numRuns: RUNS },
    );
  });

  describe('through the database', () => {
    const t = importDatabase();

    it('import then export equals the normalised document', async () => {
      let run = 0;
      await fc.assert(
        fc.asyncProperty(validDocument(), async (generated) => {
          // Each run its own document, client, organisations and professionals: shared resources are merged
          // across documents (the document's elements over the stored ones), which is not a round trip.
          const doc = isolated(generated, ++run);
          // As the service itself: the access policy is tested elsewhere; this is about the mapping and the store.
          await importDocument(t.repo, serviceCtx, doc);
          const exported = await exportDocument(t.repo, serviceCtx, doc.document.id);
          expect(exported.document).toEqual(normalizeDocument(doc));
        }),
        { numRuns: DB_RUNS },
      );
    }, 300_000);
  });
});

/** The n-th BSN of the test range 9999xxxxx that passes the 11-proef. */
function testBsn(n: number): string {
  let found = 0;
  for (let i = 5000; ; i++) {
    const eight = `9999${String(i).padStart(4, '0')}`;
    const check = [...eight].reduce((s, d, k) => s + Number(d) * (9 - k), 0) % 11;
    if (check < 10 && ++found === n) return `${eight}${check}`;
  }
}

/**
 * The document with identifiers of its own: id, BSN, and every URA, UZI, BIG and AGB of a professional replaced
 * consistently (the same old value, the same new one) by values no other run uses.
 */
function isolated(generated: MesoCarePlanDocument, run: number): MesoCarePlanDocument {
  const doc = structuredClone(generated);
  doc.document.id = `zbp-db-fuzz-${run}`;
  doc.client.bsn = testBsn(run);
  const fresh = new Map<string, string>();
  const base = { ura: 20_000_000, uzi: 800_000_000, big: 18_000_000_000, agb: 30_000_000 };
  const next = (kind: keyof typeof base, old: string) => {
    const key = `${kind}|${old}`;
    if (!fresh.has(key)) fresh.set(key, String(base[kind] + run * 1000 + fresh.size));
    return fresh.get(key) as string;
  };
  const walk = (value: unknown): void => {
    if (Array.isArray(value)) return value.forEach(walk);
    if (!value || typeof value !== 'object') return;
    const o = value as Record<string, unknown>;
    if (typeof o.ura === 'string') o.ura = next('ura', o.ura);
    const ids = o.identifiers as Record<'uzi' | 'big' | 'agb', string | undefined> | undefined;
    if (ids) for (const k of ['uzi', 'big', 'agb'] as const) if (ids[k]) ids[k] = next(k, ids[k] as string);
    Object.values(o).forEach(walk);
  };
  walk(doc);
  return doc;
}
