import pg from 'pg';
import type { Database } from './database';

/**
 * A connection of its own that can hold a session-level advisory lock: whoever holds the lock is the leader of a
 * singleton job across all instances on this database. PostgreSQL releases the lock when the session ends (a
 * crashed or killed process, a lost connection), so a standby takes over at its next try.
 */
export class LeaderSession {
  private client: pg.Client | undefined;
  private lost = false;

  constructor(
    private readonly db: Database,
    private readonly lockKey: number,
  ) {}

  /** The session, when this process holds the lock (connecting and trying to take it first when needed). */
  async lead(): Promise<pg.Client | undefined> {
    if (this.client && this.lost) await this.end();
    if (!this.client) {
      const client = new pg.Client(this.db.pool.options);
      client.on('error', () => (this.lost = true));
      this.lost = false;
      await client.connect();
      this.client = client;
    }
    if (this.leading) return this.client;
    const res = await this.client.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1) AS ok', [
      this.lockKey,
    ]);
    this.leading = res.rows[0].ok;
    return this.leading ? this.client : undefined;
  }

  private leading = false;

  get isLeading(): boolean {
    return this.leading;
  }

  /** Gives up the lead (ending the session releases the lock). */
  async end(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    this.leading = false;
    await client?.end().catch(() => undefined);
  }
}
