import { calendarProblem } from '../../kernel/calendar';

/** The instants a partial date or dateTime covers, as a half-open range [lo, hi) in epoch milliseconds. */
export interface Range {
  lo: number;
  hi: number;
}

const DATE_TIME =
  /^(\d{4})(?:-(\d{2})(?:-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?)?)?)?$/;

function offsetMinutes(tz: string | undefined): number {
  if (!tz || tz === 'Z') return 0;
  const sign = tz.startsWith('-') ? -1 : 1;
  const [h, m] = tz.slice(1).split(':').map(Number);
  return sign * (h * 60 + m);
}

/** Date.UTC without its 0-99 → 1900-1999 mapping, so year 0099 stays 99; month and day may overflow. */
function utc(year: number, month: number, day: number, h = 0, mi = 0, s = 0, ms = 0): number {
  const t = new Date(0);
  t.setUTCFullYear(year, month, day);
  t.setUTCHours(h, mi, s, ms);
  return t.getTime();
}

/**
 * R4 search.html#date: a value covers the whole of its precision (2025 = the year 2025). Dates without a time
 * zone are taken as UTC, for stored and searched values alike, so they compare consistently. A day, hour or
 * offset that does not exist (1950-02-30, 25:00, +15:00) gives undefined, never a rolled-over date.
 */
export function dateRange(text: string): Range | undefined {
  const m = DATE_TIME.exec(text);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s, frac, tz] = m;
  const year = Number(y);
  const month = mo ? Number(mo) - 1 : 0;
  const day = d ? Number(d) : 1;
  const [hour, minute, second] = [h, mi, s].map((v) => (v ? Number(v) : 0));
  const offset = offsetMinutes(tz);
  const fields = { year, month: month + 1, day, hour, minute, second, offsetMinutes: offset };
  if (calendarProblem(fields)) return undefined;
  // The fraction counts: .123 starts 123 ms after the second.
  const ms = frac ? Math.floor(Number(frac) * 1000) : 0;
  const lo = utc(year, month, day, hour, minute, second, ms) - offset * 60_000;
  let hi: number;
  if (!mo) hi = utc(year + 1, 0, 1);
  else if (!d) hi = utc(year, month + 1, 1);
  else if (!h) hi = utc(year, month, day + 1);
  else if (!s) hi = lo + 60_000;
  else if (!frac) hi = lo + 1000;
  else hi = lo + Math.max(1, 1000 / 10 ** (frac.length - 1));
  return { lo, hi };
}

/** 0001-01-01T00:00:00Z and 10000-01-01T00:00:00Z: the instants a 4-digit year can name lie in between. */
const FIRST_INSTANT = utc(1, 0, 1);
const PAST_LAST_INSTANT = utc(10000, 0, 1);

/**
 * An epoch-millisecond bound as PostgreSQL timestamptz text. A range ending after 9999-12-31 (the end of the
 * day 9999-12-31, or a widened `ap` range) or starting before year 1 is open on that side: toISOString would
 * give `+010000-…`, which PostgreSQL refuses, so such bounds become 'infinity' / '-infinity'.
 */
export function timestampText(ms: number): string {
  if (ms >= PAST_LAST_INSTANT) return 'infinity';
  if (ms < FIRST_INSTANT) return '-infinity';
  return new Date(ms).toISOString();
}
