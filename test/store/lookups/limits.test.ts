import { createHash } from 'node:crypto';
import {
  indexKey,
  indexPrefix,
  MAX_INDEX_BYTES,
  SqlParams,
  utf8Prefix,
} from '../../../src/store/lookups/lookup';
import { tokenLookup } from '../../../src/store/lookups/token';
import { stringLookup } from '../../../src/store/lookups/string';
import { referenceLookup } from '../../../src/store/lookups/reference';
import { uriLookup } from '../../../src/store/lookups/uri';
import { quantityLookup } from '../../../src/store/lookups/quantity';
import { dateLookup } from '../../../src/store/lookups/date';
import { dateRange, timestampText } from '../../../src/store/lookups/date-range';

const bytes = (s: unknown) => Buffer.byteLength(String(s), 'utf8');

describe('index keys for values of any length', () => {
  const long = 'x'.repeat(3000);

  it('keeps values that fit, and hashes longer ones into a key that fits', () => {
    expect(indexKey('999911120')).toBe('999911120');
    const key = indexKey(long);
    expect(bytes(key)).toBeLessThanOrEqual(MAX_INDEX_BYTES);
    expect(key.endsWith(createHash('sha256').update(long).digest('hex'))).toBe(true);
    expect(key.startsWith('xxxx')).toBe(true);
    expect(indexKey(`${long}y`)).not.toBe(key);
  });

  it('counts UTF-8 bytes, not UTF-16 units, and never splits a character', () => {
    const emoji = '😀'.repeat(400); // 800 units, 1,600 bytes
    expect(bytes(indexKey(emoji))).toBeLessThanOrEqual(MAX_INDEX_BYTES);
    expect(utf8Prefix('a😀b', 4)).toBe('a');
    expect(utf8Prefix('a😀b', 5)).toBe('a😀');
    expect(bytes(indexPrefix('한'.repeat(1000).normalize('NFD')))).toBeLessThanOrEqual(MAX_INDEX_BYTES);
  });

  it('token: stores and searches a 3,000-character code by the same key', () => {
    const rows = tokenLookup.extract([{ type: 'Identifier', value: { system: long, value: long } }]);
    expect(rows).toEqual([{ system: indexKey(long), value: indexKey(long), display: null }]);
    const sql = new SqlParams();
    tokenLookup.match(sql, { value: `${long}|${long}`, name: 'identifier' });
    expect(sql.values).toEqual([indexKey(long), indexKey(long)]);
    const display = tokenLookup.extract([{ type: 'Coding', value: { code: 'c', display: long } }]);
    expect(bytes(display[0].display)).toBeLessThanOrEqual(MAX_INDEX_BYTES);
  });

  it('string: prefix column cut, exact column keyed', () => {
    const [row] = stringLookup.extract([{ type: 'string', value: long }]);
    expect(bytes(row.value)).toBeLessThanOrEqual(MAX_INDEX_BYTES);
    expect(row.raw).toBe(indexKey(long));
    const sql = new SqlParams();
    stringLookup.match(sql, { value: long, modifier: 'exact', name: 'family' });
    stringLookup.match(sql, { value: long, name: 'family' });
    expect(sql.values).toEqual([indexKey(long), `${indexPrefix(long)}%`]);
  });

  it('reference, uri and quantity rows fit the btree limit', () => {
    const url = `https://example.org/${'a/'.repeat(1500)}Practitioner/1`;
    const [ref] = referenceLookup.extract([
      { type: 'Reference', value: { reference: url, identifier: { system: long, value: long } } },
    ]);
    for (const column of ['ref', 'ident_system', 'ident_value'])
      expect(bytes(ref[column])).toBeLessThanOrEqual(MAX_INDEX_BYTES);
    const sql = new SqlParams();
    referenceLookup.match(sql, { value: url, name: 'general-practitioner' });
    expect(sql.values).toEqual([ref.ref]);
    const [uri] = uriLookup.extract([{ type: 'uri', value: url }]);
    expect(uri.value).toBe(indexKey(url));
    const [q] = quantityLookup.extract([{ type: 'Quantity', value: { value: 1, system: long, code: long } }]);
    expect([bytes(q.system), bytes(q.code)].every((n) => n <= MAX_INDEX_BYTES)).toBe(true);
  });
});

describe('dates at the ends of the calendar', () => {
  it('ends 9999-12-31 at infinity instead of the year +010000 PostgreSQL refuses', () => {
    expect(dateLookup.extract([{ type: 'date', value: '9999-12-31' }])).toEqual([
      { lo: '9999-12-31T00:00:00.000Z', hi: 'infinity' },
    ]);
    expect(dateLookup.extract([{ type: 'date', value: '9999' }])).toEqual([
      { lo: '9999-01-01T00:00:00.000Z', hi: 'infinity' },
    ]);
    expect(timestampText(Date.UTC(2025, 0, 1))).toBe('2025-01-01T00:00:00.000Z');
    expect(timestampText(-62198755200000)).toBe('-infinity'); // year 0
  });

  it.each(['eq', 'ne', 'gt', 'lt', 'ge', 'le', 'sa', 'eb', 'ap'])(
    'binds only PostgreSQL-readable bounds for %s9999-12-31',
    (prefix) => {
      const sql = new SqlParams();
      dateLookup.match(sql, { value: `${prefix}9999-12-31`, name: 'birthdate' });
      for (const v of sql.values) expect(String(v)).toMatch(/^(-?infinity|\d{4}-\d{2}-\d{2}T[\d:.]+Z)$/);
    },
  );

  it('reads years below 100 as such (Date.UTC would make 0099 into 1999)', () => {
    expect(new Date((dateRange('0099') as { lo: number }).lo).getUTCFullYear()).toBe(99);
  });

  it.each([
    '1950-02-30',
    '2023-02-29',
    '2024-13-01',
    '2024-01-01T25:00',
    '2024-04-31T10:00:00Z',
    '2024-01-01T10:00+15:00',
  ])('refuses %s as a search date (400, not a rolled-over day)', (value) => {
    expect(dateRange(value)).toBeUndefined();
    expect(() => dateLookup.match(new SqlParams(), { value, name: 'birthdate' })).toThrow(/Invalid date/);
  });
});
