/** R4 search.html#prefix: comparators on ordered values (number, date, quantity). */
export type Prefix = 'eq' | 'ne' | 'gt' | 'lt' | 'ge' | 'le' | 'sa' | 'eb' | 'ap';

const PREFIX = /^(eq|ne|gt|lt|ge|le|sa|eb|ap)(?=[-+.\d])/;

/** Splits an optional two-letter prefix off a search value; without one the comparison is `eq`. */
export function parsePrefix(value: string): { prefix: Prefix; rest: string } {
  const m = PREFIX.exec(value);
  return m ? { prefix: m[1] as Prefix, rest: value.slice(2) } : { prefix: 'eq', rest: value };
}
