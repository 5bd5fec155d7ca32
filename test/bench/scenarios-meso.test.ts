import { mesoDocuments } from '../../bench/scenarios-meso';
import { passesElfproef, testBsns } from '../../bench/patients';
import { validateMesoDocument } from '../../src/meso-document/validate';

interface Doc {
  document: { id: string; version: number };
  client: { bsn: string };
}

describe('bench MESO documents', () => {
  it('makes valid documents, each with its own id and a test BSN the loaded patients do not hold', () => {
    const docs = mesoDocuments();
    const bodies = Array.from({ length: 20 }, () => docs.fresh());
    const parsed = bodies.map((b) => JSON.parse(b) as Doc);
    for (const body of parsed) expect(validateMesoDocument(body)).toMatchObject({ valid: true });
    expect(new Set(parsed.map((d) => d.document.id)).size).toBe(20);
    const bsns = parsed.map((d) => d.client.bsn);
    expect(new Set(bsns).size).toBe(20);
    expect(bsns.every(passesElfproef)).toBe(true);
    const loaded = new Set(testBsns(2000));
    expect(bsns.some((b) => loaded.has(b))).toBe(false);
    expect(docs.bodyOf(parsed[3].document.id)).toBe(bodies[3]);
    expect(docs.made()).toEqual({ documents: 20, reusedBsn: 0 });
  });
});
