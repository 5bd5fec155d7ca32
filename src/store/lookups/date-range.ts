/** The instants a partial date or dateTime covers, as a half-open range [lo, hi) in epoch milliseconds. */
export interface Range {
  lo: number;
  hi: number;
}

const DATE_TIME =
  /^(\d{4})(?:-(\d{2})(?:-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?)?)?)?$/;

function offsetMs(tz: string | undefined): number {
  if (!tz || tz === 'Z') return 0;
  const sign = tz.startsWith('-') ? -1 : 1;
  const [h, m] = tz.slice(1).split(':').map(Number);
  return sign * (h * 60 + m) * 60_000;
}

/**
 * R4 search.html#date: a value covers the whole of its precision (2025 = the year 2025). Dates without a time
 * zone are taken as UTC, for stored and searched values alike, so they compare consistently.
 */
export function dateRange(text: string): Range | undefined {
  const m = DATE_TIME.exec(text);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s, frac, tz] = m;
  const year = Number(y);
  const month = mo ? Number(mo) - 1 : 0;
  const day = d ? Number(d) : 1;
  if (month > 11 || day < 1 || day > 31) return undefined;
  // The fraction counts: .123 starts 123 ms after the second.
  const ms = frac ? Math.floor(Number(frac) * 1000) : 0;
  const lo =
    Date.UTC(year, month, day, h ? Number(h) : 0, mi ? Number(mi) : 0, s ? Number(s) : 0, ms) - offsetMs(tz);
  const start = new Date(lo + offsetMs(tz));
  if (!h && start.getUTCDate() !== day) return undefined; // 2025-02-30
  let hi: number;
  if (!mo) hi = Date.UTC(year + 1, 0, 1);
  else if (!d) hi = Date.UTC(year, month + 1, 1);
  else if (!h) hi = Date.UTC(year, month, day + 1);
  else if (!s) hi = lo + 60_000;
  else if (!frac) hi = lo + 1000;
  else hi = lo + Math.max(1, 1000 / 10 ** (frac.length - 1));
  return { lo, hi };
}
