import { SqlParams, normaliseText, splitCommas, splitBars } from '../../../src/store/lookups/lookup';
import { tokenLookup } from '../../../src/store/lookups/token';
import { stringLookup } from '../../../src/store/lookups/string';
import { referenceLookup, parseReference } from '../../../src/store/lookups/reference';
import { dateLookup } from '../../../src/store/lookups/date';
import { dateRange } from '../../../src/store/lookups/date-range';
import { numberLookup, numberRange } from '../../../src/store/lookups/number';
import { quantityLookup } from '../../../src/store/lookups/quantity';
import { uriLookup } from '../../../src/store/lookups/uri';
import { parsePrefix } from '../../../src/store/lookups/prefix';

const iso = (ms: number) => new Date(ms).toISOString();

describe('value helpers', () => {
  it('normalises case and accents', () => {
    expect(normaliseText('Geneviève ÇÀ')).toBe('genevieve ca');
  });
  it('splits on unescaped commas and bars', () => {
    expect(splitCommas('a,b\\,c')).toEqual(['a', 'b,c']);
    expect(splitBars('sys|co\\|de', 2)).toEqual(['sys', 'co|de']);
    expect(splitBars('5|sys|a|b', 3)).toEqual(['5', 'sys', 'a|b']);
  });
  it('splits prefixes off ordered values', () => {
    expect(parsePrefix('ge2025')).toEqual({ prefix: 'ge', rest: '2025' });
    expect(parsePrefix('-5')).toEqual({ prefix: 'eq', rest: '-5' });
    expect(parsePrefix('lt-5')).toEqual({ prefix: 'lt', rest: '-5' });
  });
});

describe('tokenLookup', () => {
  it('indexes CodeableConcept, Identifier, ContactPoint and booleans', () => {
    expect(
      tokenLookup.extract([
        {
          type: 'CodeableConcept',
          value: { coding: [{ system: 's', code: 'c', display: 'Één' }], text: 'Tekst' },
        },
        { type: 'Identifier', value: { system: 'bsn', value: '1' } },
        { type: 'ContactPoint', value: { system: 'email', value: 'a@b.nl' } },
        { type: 'boolean', value: false },
      ]),
    ).toEqual([
      { system: 's', value: 'c', display: 'een' },
      { system: null, value: null, display: 'tekst' },
      { system: 'bsn', value: '1', display: null },
      { system: 'email', value: 'a@b.nl', display: null },
      { system: null, value: 'false', display: null },
    ]);
  });
  it('builds parameterised SQL for each token form', () => {
    const sql = new SqlParams();
    const m = (value: string, modifier?: string) => tokenLookup.match(sql, { value, modifier, name: 'code' });
    expect(m('s|c')).toBe('(t.system = $1 AND t.value = $2)');
    expect(m('|c')).toBe('(t.system IS NULL AND t.value = $3)');
    expect(m('s|')).toBe('t.system = $4');
    expect(m('c')).toBe('t.value = $5');
    expect(m('Bo', 'text')).toBe('t.display LIKE $6');
    expect(sql.values).toEqual(['s', 'c', 'c', 's', 'c', 'bo%']);
    expect(tokenLookup.negates?.('not')).toBe(true);
    expect(() => m('|')).toThrow(/Empty token/);
  });
});

describe('stringLookup', () => {
  it('indexes the parts of names and addresses, normalised and raw', () => {
    const rows = stringLookup.extract([
      { type: 'HumanName', value: { family: 'Bréton', given: ['Anne'] } },
      { type: 'Address', value: { line: ['Dorpsstraat 1'], city: 'Kaag' } },
    ]);
    expect(rows.map((r) => r.value)).toEqual(['breton', 'anne', 'dorpsstraat 1', 'kaag']);
    expect(rows[0].raw).toBe('Bréton');
  });
  it('escapes LIKE wildcards', () => {
    const sql = new SqlParams();
    stringLookup.match(sql, { value: '50%_', name: 'name' });
    stringLookup.match(sql, { value: 'x', modifier: 'contains', name: 'name' });
    expect(sql.values).toEqual(['50\\%\\_%', '%x%']);
  });
});

describe('referenceLookup', () => {
  it('parses relative, versioned, absolute and contained references', () => {
    expect(parseReference('Patient/1/_history/2')).toEqual({
      ref: 'Patient/1',
      targetType: 'Patient',
      targetId: '1',
    });
    expect(parseReference('http://other/fhir/Patient/1')).toEqual({ ref: 'http://other/fhir/Patient/1' });
    expect(parseReference('#c1')).toBeUndefined();
  });
  it('indexes a reference by identifier only', () => {
    expect(
      referenceLookup.extract([{ type: 'Reference', value: { identifier: { system: 'ura', value: '1' } } }]),
    ).toEqual([{ ref: null, target_type: null, target_id: null, ident_system: 'ura', ident_value: '1' }]);
  });
  it('turns an absolute URL to this server into a relative one', () => {
    const sql = new SqlParams();
    const where = referenceLookup.match(sql, {
      value: 'http://x/fhir/Patient/1',
      name: 'subject',
      baseUrl: 'http://x/fhir',
    });
    expect(where).toBe('(t.target_id = $1 AND t.target_type = $2)');
    expect(referenceLookup.match(sql, { value: 'Group/1', modifier: 'Patient', name: 'subject' })).toBe(
      'false',
    );
  });
});

describe('dates', () => {
  it('turns partial dates into half-open ranges', () => {
    const r = (s: string) => {
      const range = dateRange(s);
      return range && [iso(range.lo), iso(range.hi)];
    };
    expect(r('2025')).toEqual(['2025-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z']);
    expect(r('2024-02')).toEqual(['2024-02-01T00:00:00.000Z', '2024-03-01T00:00:00.000Z']);
    expect(r('2025-03-15T10:00:00+01:00')).toEqual(['2025-03-15T09:00:00.000Z', '2025-03-15T09:00:01.000Z']);
    expect(r('2026-11-23T10:40:00.123Z')).toEqual(['2026-11-23T10:40:00.123Z', '2026-11-23T10:40:00.124Z']);
    expect(r('2025-02-30')).toBeUndefined();
    expect(r('march')).toBeUndefined();
  });
  it('indexes Periods with open ends and Timing events', () => {
    expect(dateLookup.extract([{ type: 'Period', value: { start: '2014-04-05' } }])).toEqual([
      { lo: '2014-04-05T00:00:00.000Z', hi: 'infinity' },
    ]);
    expect(dateLookup.extract([{ type: 'Timing', value: { event: ['2025-01-01'] } }])).toHaveLength(1);
  });
  it('binds only the bounds a prefix uses', () => {
    const sql = new SqlParams();
    expect(dateLookup.match(sql, { value: 'gt2025', name: 'date' })).toBe('t.hi > $1::timestamptz');
    expect(sql.values).toEqual(['2026-01-01T00:00:00.000Z']);
  });
});

describe('numbers, quantities and uris', () => {
  it('derives the implicit precision range', () => {
    expect(numberRange('100')).toEqual({ value: 100, lo: '99.5', hi: '100.5' });
    expect(numberRange('5.4')).toEqual({ value: 5.4, lo: '5.35', hi: '5.45' });
    expect(numberRange('abc')).toBeUndefined();
  });
  it('builds number and quantity comparisons', () => {
    const sql = new SqlParams();
    expect(numberLookup.match(sql, { value: 'ge5', name: 'n' })).toBe('t.value >= $1::numeric');
    expect(quantityLookup.match(sql, { value: '5.4||mg', name: 'q' })).toBe(
      '((t.value >= $2::numeric AND t.value < $3::numeric) AND (t.code = $4 OR t.unit = $4))',
    );
    expect(() => quantityLookup.match(sql, { value: '5|sys', name: 'q' })).toThrow();
    expect(quantityLookup.extract([{ type: 'Quantity', value: { value: 5, code: 'mg' } }])).toEqual([
      { value: 5, system: null, code: 'mg', unit: null },
    ]);
  });
  it('matches uris exactly, below and above', () => {
    const sql = new SqlParams();
    uriLookup.match(sql, { value: 'http://a/b/c', modifier: 'above', name: 'url' });
    expect(sql.values[0]).toEqual(['http://a', 'http://a/b', 'http://a/b/c']);
  });
});
