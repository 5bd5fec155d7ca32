import type { TypedValue } from '@medplum/core';
import { badRequest } from '../../kernel/outcome';
import {
  asObject,
  asString,
  uniqueRows,
  type IndexRow,
  type Lookup,
  type MatchInput,
  type SqlParams,
} from './lookup';
import { dateRange, timestampText as iso } from './date-range';
import { parsePrefix } from './prefix';

function rowFromStrings(start: string | undefined, end: string | undefined): IndexRow | undefined {
  const lo = start ? dateRange(start) : undefined;
  const hi = end ? dateRange(end) : undefined;
  if (!lo && !hi) return undefined;
  // An open end of a Period extends to infinity (R4 search.html#date: Period without end is ongoing).
  return { lo: lo ? iso(lo.lo) : '-infinity', hi: hi ? iso(hi.hi) : 'infinity' };
}

function rowsFor(tv: TypedValue): IndexRow[] {
  const v = tv.value as unknown;
  if (typeof v === 'string') {
    const r = dateRange(v);
    return r ? [{ lo: iso(r.lo), hi: iso(r.hi) }] : [];
  }
  const o = asObject(v);
  if (!o) return [];
  if (Array.isArray(o.event)) {
    // Timing: every event is a point in time of its own.
    return o.event.flatMap((e) => rowsFor({ type: 'dateTime', value: e }));
  }
  const bounds = asObject(asObject(o.repeat)?.boundsPeriod) ?? o;
  const row = rowFromStrings(asString(bounds.start), asString(bounds.end));
  return row ? [row] : [];
}

/**
 * Comparisons of the target range [lo, hi) with the searched range [$lo, $hi), word for word R4
 * search.html#prefix: gt/lt "the range above/below the search value overlaps the target", ge/le that "or the
 * search range fully contains the target". So a Period ending on the searched day is not `ge` that day.
 */
const CONTAINED = '(t.lo >= $lo AND t.lo < $hi AND t.hi <= $hi)';
const COMPARISONS: Record<string, string> = {
  eq: CONTAINED,
  ne: `NOT ${CONTAINED}`,
  gt: 't.hi > $hi',
  lt: 't.lo < $lo',
  ge: `(t.hi > $hi OR ${CONTAINED})`,
  le: `(t.lo < $lo OR ${CONTAINED})`,
  sa: 't.lo >= $hi',
  eb: 't.hi <= $lo',
  ap: '(t.lo < $hi AND t.hi > $lo)',
};

// ap: "approximately" widens the range by 10% of its distance from now (the spec's recommendation).
function widen(lo: number, hi: number): { lo: number; hi: number } {
  const margin = Math.abs(Date.now() - lo) * 0.1;
  return { lo: lo - margin, hi: hi + margin };
}

/** date, dateTime, instant, Period and Timing as ranges; prefixes and partial dates per R4 search.html#date. */
export const dateLookup: Lookup = {
  table: 'search_date',
  columns: [
    { name: 'lo', type: 'timestamptz[]' },
    { name: 'hi', type: 'timestamptz[]' },
  ],
  modifiers: [],

  extract(values: TypedValue[]): IndexRow[] {
    return uniqueRows(values.flatMap(rowsFor));
  },

  match(sql: SqlParams, input: MatchInput): string {
    const { prefix, rest } = parsePrefix(input.value);
    const range = dateRange(rest);
    if (!range) throw badRequest(`Invalid date '${input.value}' for '${input.name}'`, input.name);
    const { lo, hi } = prefix === 'ap' ? widen(range.lo, range.hi) : range;
    // Parameters are added only when used: PostgreSQL rejects a parameter it cannot type.
    const bound = new Map<string, string>();
    const param = (name: string, ms: number) => {
      if (!bound.has(name)) bound.set(name, `${sql.add(iso(ms))}::timestamptz`);
      return bound.get(name) as string;
    };
    return COMPARISONS[prefix].replace(/\$(lo|hi)/g, (_, name: string) =>
      param(name, name === 'lo' ? lo : hi),
    );
  },

  // R4 search.html#_sort: ascending by the start of the range, descending by its end.
  sortKey: (descending) => ({ expr: descending ? 'max(t.hi)' : 'min(t.lo)', type: 'timestamptz' }),
};
