import { randomBytes } from 'node:crypto';
import type { Queryable } from './database';

/**
 * The named secret shared by every instance on this database, generated on first use. Concurrent first uses are
 * safe: the first insert wins and everyone reads the stored value.
 */
export async function serverSecret(q: Queryable, name: string): Promise<Buffer> {
  await q.query('INSERT INTO server_secret (name, secret) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING', [
    name,
    randomBytes(32),
  ]);
  const res = await q.query<{ secret: Buffer }>('SELECT secret FROM server_secret WHERE name = $1', [name]);
  return res.rows[0].secret;
}
