import type { Bundle, Patient } from '@medplum/fhirtypes';
import type { Database } from '../../../src/store/database';
import { createTestDatabase } from '../../support/test-database';
import { sealCursor, searchFingerprint } from '../../../src/fhir/search/cursor';
import { CTX, ids, link, queryOf, remove, run, save } from './search-support';

let db: Database;

const patient = (id: string, family: string, lastUpdated?: string): Patient => ({
  resourceType: 'Patient',
  id,
  name: [{ family }],
  meta: lastUpdated ? { lastUpdated } : undefined,
});
const originals = Array.from({ length: 25 }, (_, i) => `p-${String(i).padStart(2, '0')}`);

beforeAll(async () => {
  db = await createTestDatabase();
  // Spread over time so that _lastUpdated sorts differ from id order.
  await save(
    db,
    ...originals.map((id, i) => patient(id, 'Jansen', new Date(Date.UTC(2025, 0, 25 - i)).toISOString())),
  );
  await save(db, patient('other-1', 'Jansen'), patient('other-2', 'Jansen'));
});
afterAll(() => db.close());

async function follow(first: Bundle, during: (page: number) => Promise<void>): Promise<string[]> {
  const seen = [...ids(first)];
  let bundle = first;
  for (let page = 1; link(bundle, 'next'); page++) {
    await during(page);
    bundle = await run(db, 'Patient', queryOf(link(bundle, 'next') as string));
    seen.push(...ids(bundle));
  }
  return seen;
}

describe('keyset paging', () => {
  it('neither repeats nor skips an original resource while others are inserted and deleted', async () => {
    const first = await run(db, 'Patient', 'family=jansen&_count=10');
    expect(ids(first)).toHaveLength(10);
    expect(first.total).toBe(27);
    const seen = await follow(first, async (page) => {
      await save(
        db,
        patient(`p-0${page}a`, 'Jansen'),
        patient(`a-new-${page}`, 'Jansen'),
        patient(`z-new-${page}`, 'Jansen'),
      );
      if (page === 1) await remove(db, 'Patient', 'other-1');
    });
    const seenOriginals = seen.filter((id) => originals.includes(id));
    expect(seenOriginals).toEqual(originals);
    expect(new Set(seen).size).toBe(seen.length);
  });

  it('pages on a descending _lastUpdated sort and walks back with previous', async () => {
    const first = await run(db, 'Patient', '_sort=-_lastUpdated&_id=' + originals.join(',') + '&_count=10');
    // p-00 was updated last.
    expect(ids(first)).toEqual(originals.slice(0, 10));
    const second = await run(db, 'Patient', queryOf(link(first, 'next') as string));
    const back = await run(db, 'Patient', queryOf(link(second, 'previous') as string));
    expect(ids(back)).toEqual(ids(first));
    expect(link(back, 'previous')).toBeUndefined();
    expect(ids(second).some((id) => ids(first).includes(id))).toBe(false);
    const all = await follow(first, async () => undefined);
    expect(all).toEqual(originals);
  });

  it('shows self, next and previous links with the used parameters, _format and _pretty included', async () => {
    const first = await run(db, 'Patient', 'family=jansen&_count=5&_format=xml&_pretty=true&_elements=name');
    expect(link(first, 'self')).toBe(
      'http://localhost:8080/fhir/Patient?family=jansen&_count=5&_format=xml&_pretty=true&_elements=name',
    );
    expect(link(first, 'previous')).toBeUndefined();
    expect(link(first, 'next')).toMatch(
      /^http:\/\/localhost:8080\/fhir\/Patient\?family=jansen&_count=5&_format=xml&_pretty=true&_elements=name&_cursor=/,
    );
    // The cursor survives a change of format: it fingerprints which rows match, not how they are shown.
    const second = await run(
      db,
      'Patient',
      queryOf(link(first, 'next') as string).replace('_format=xml', ''),
    );
    expect(ids(second)).toHaveLength(5);
  });

  it('rejects a malformed cursor or one from another search', async () => {
    await expect(run(db, 'Patient', '_cursor=garbage')).rejects.toMatchObject({
      status: 400,
      issues: [{ expression: ['_cursor'] }],
    });
    const first = await run(db, 'Patient', 'family=jansen&_count=5');
    const cursor = new URL(link(first, 'next') as string).searchParams.get('_cursor');
    await expect(run(db, 'Patient', `family=other&_cursor=${cursor}`)).rejects.toMatchObject({ status: 400 });
  });

  it('refuses a forged cursor before its values reach SQL', async () => {
    // The old format: unsigned base64url JSON with a fingerprint anyone can compute.
    const sort = '_sort=-_lastUpdated&_count=5';
    const first = await run(db, 'Patient', sort);
    const fingerprint = searchFingerprint('Patient', [['_sort', '-_lastUpdated']]);
    const forged = Buffer.from(JSON.stringify({ d: 'n', v: ['not a date', 'x'], q: fingerprint })).toString(
      'base64url',
    );
    await expect(run(db, 'Patient', `${sort}&_cursor=${forged}`)).rejects.toMatchObject({
      status: 400,
      issues: [
        { expression: ['_cursor'], diagnostics: expect.stringMatching(/restart from the first page/) },
      ],
    });
    // A real cursor with its payload changed but the signature kept.
    const real = new URL(link(first, 'next') as string).searchParams.get('_cursor') as string;
    const tampered = `${Buffer.from(JSON.stringify({ d: 'n', v: ['2020-01-01 00:00:00+00', 'a'], q: fingerprint })).toString('base64url')}.${real.split('.')[1]}`;
    await expect(run(db, 'Patient', `${sort}&_cursor=${tampered}`)).rejects.toMatchObject({ status: 400 });
    // Signed with another server's key.
    const foreign = sealCursor(Buffer.alloc(32, 1), {
      d: 'n',
      v: ['2020-01-01 00:00:00+00', 'a'],
      q: fingerprint,
    });
    await expect(run(db, 'Patient', `${sort}&_cursor=${foreign}`)).rejects.toMatchObject({ status: 400 });
  });

  it('checks the type of every value even in a validly signed cursor', async () => {
    const sort = '_sort=-_lastUpdated&_count=5';
    const q = searchFingerprint('Patient', [['_sort', '-_lastUpdated']]);
    for (const v of [
      ['99999-99-99 99:99:99+00', 'a'],
      [5, 'a'],
      ['2020-01-01 00:00:00+00'],
      ['x'.repeat(9000), 'a'],
    ]) {
      const cursor = sealCursor(CTX.cursorKey, { d: 'n', v, q });
      await expect(run(db, 'Patient', `${sort}&_cursor=${cursor}`)).rejects.toMatchObject({
        status: 400,
        issues: [{ expression: ['_cursor'] }],
      });
    }
    const ok = sealCursor(CTX.cursorKey, { d: 'n', v: ['2099-01-01 00:00:00+00', 'a'], q });
    expect(ids(await run(db, 'Patient', `${sort}&_cursor=${ok}`))).toHaveLength(5);
  });
});
