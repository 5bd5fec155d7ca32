import { createHash } from 'node:crypto';
import pg from 'pg';
import type { Queryable } from './database';

// Hot statements (read by id, the care-relation probe, search SQL) are named by a hash of their text, so one
// text is one prepared statement per connection. Search SQL depends on the query's shape (parameters, modifiers, how many OR-values), not on its values, so a
// few hundred texts cover the hot ones; past that texts run unnamed, so that no connection collects statements
// without bound.
const MAX_NAMED = 500;
const names = new Map<string, string>();

function nameOf(text: string): string | undefined {
  const known = names.get(text);
  if (known || names.size >= MAX_NAMED) return known;
  const name = `s_${createHash('sha1').update(text).digest('hex').slice(0, 24)}`;
  names.set(text, name);
  return name;
}

/**
 * Runs a statement as a named (prepared) statement on the pool or a client: each connection parses it
 * once, and PostgreSQL may keep its plan (plan_cache_mode auto: custom plans first, a generic one when it is no
 * worse). Planning the access and chain subqueries costs as much as running them for one patient.
 */
export function runPrepared<R extends pg.QueryResultRow>(
  q: Queryable,
  text: string,
  values: unknown[],
): Promise<pg.QueryResult<R>> {
  const name = nameOf(text);
  if (!name || !(q instanceof pg.Pool || q instanceof pg.Client)) return q.query<R>(text, values);
  return q.query<R>({ name, text, values });
}
