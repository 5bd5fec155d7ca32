/**
 * The calendar rules that a date pattern cannot express: 1950-02-30 and 2023-02-29 match every FHIR date
 * regex, but no such day exists. The validator (date, dateTime, instant) and search date parsing both ask here.
 */

const isLeapYear = (year: number) => (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;

/** Days in `month` (1-12) of `year`, proleptic Gregorian. */
export function daysInMonth(year: number, month: number): number {
  if (month === 2) return isLeapYear(year) ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

export interface DateTimeFields {
  year: number;
  /** 1-12 */
  month: number;
  day: number;
  hour?: number;
  minute?: number;
  second?: number;
  /** Minutes east of UTC. */
  offsetMinutes?: number;
}

/** Why these fields name no instant (month 13, 30 February, 25:00, offset +15:00), or undefined when they do. */
export function calendarProblem(f: DateTimeFields): string | undefined {
  if (f.year < 1 || f.year > 9999) return `year ${f.year} is outside 0001-9999`;
  if (f.month < 1 || f.month > 12) return `month ${f.month} does not exist`;
  if (f.day < 1 || f.day > daysInMonth(f.year, f.month))
    return `day ${f.day} does not exist in ${f.year}-${String(f.month).padStart(2, '0')}`;
  if (f.hour !== undefined && f.hour > 23) return `hour ${f.hour} does not exist`;
  if (f.minute !== undefined && f.minute > 59) return `minute ${f.minute} does not exist`;
  // 60 is a leap second, which FHIR allows.
  if (f.second !== undefined && f.second > 60) return `second ${f.second} does not exist`;
  if (f.offsetMinutes !== undefined && Math.abs(f.offsetMinutes) > 14 * 60)
    return 'a time zone offset is at most 14:00';
  return undefined;
}

const DATE_PART = /^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?(?:T(\d{2}):(\d{2})(?::(\d{2}))?)?/;
const OFFSET = /([+-])(\d{2}):(\d{2})$/;

/**
 * The calendar problem of a FHIR date, dateTime or instant string, or undefined. Only what the format allows
 * is judged here (a partial date has no day to check); the format itself is the schema's or parser's job.
 */
export function dateTextProblem(text: string): string | undefined {
  const m = DATE_PART.exec(text);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s] = m;
  const offset = h ? OFFSET.exec(text) : null;
  return calendarProblem({
    year: Number(y),
    month: mo ? Number(mo) : 1,
    day: d ? Number(d) : 1,
    hour: h ? Number(h) : undefined,
    minute: mi ? Number(mi) : undefined,
    second: s ? Number(s) : undefined,
    offsetMinutes: offset
      ? (offset[1] === '-' ? -1 : 1) * (Number(offset[2]) * 60 + Number(offset[3]))
      : undefined,
  });
}
