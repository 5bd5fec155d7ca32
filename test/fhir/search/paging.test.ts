import type { Bundle, Patient } from '@medplum/fhirtypes';
import type { Database } from '../../../src/store/database';
import { createTestDatabase } from '../../support/test-database';
import { ids, link, queryOf, remove, run, save } from './search-support';

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

  it('shows self, next and previous links with the used parameters', async () => {
    const first = await run(db, 'Patient', 'family=jansen&_count=5&_format=json');
    expect(link(first, 'self')).toBe('http://localhost:8080/fhir/Patient?family=jansen&_count=5');
    expect(link(first, 'previous')).toBeUndefined();
    expect(link(first, 'next')).toMatch(
      /^http:\/\/localhost:8080\/fhir\/Patient\?family=jansen&_count=5&_cursor=/,
    );
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
});
