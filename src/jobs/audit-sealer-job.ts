import type { Logger } from 'pino';
import type { Database } from '../store/database';
import { LeaderSession } from '../store/leader-session';
import { sealRound } from '../audit/audit-seal';

// Any constant: the session holding it is the one sealer across all instances (so the chain stays one line).
const AUDIT_SEALER_LOCK = 75132029;
const ROUND_LIMIT = 5000;

export interface SealerOptions {
  /** How often the leader seals (and a standby tries to lead). */
  intervalMs: number;
  logger?: Logger;
}

/**
 * The audit sealer as a singleton job: every instance runs it, only the holder of the advisory lock seals.
 * A failed round (database down, lost connection) gives up the lead and retries with backoff; nothing is lost,
 * since unsealed rows stay in the table until a round seals them.
 */
export class AuditSealerJob {
  private readonly session: LeaderSession;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;
  private failures = 0;

  constructor(
    db: Database,
    private readonly options: SealerOptions,
  ) {
    this.session = new LeaderSession(db, AUDIT_SEALER_LOCK);
  }

  start(): void {
    this.schedule(0);
  }

  /** Seals what is committed now, if this instance leads. Returns how many rows it sealed. */
  async tick(): Promise<number> {
    const client = await this.session.lead();
    if (!client) return 0;
    let total = 0;
    for (;;) {
      const sealed = await sealRound(client, ROUND_LIMIT);
      total += sealed;
      if (sealed < ROUND_LIMIT || this.stopped) return total;
    }
  }

  get leading(): boolean {
    return this.session.isLeading;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
    await this.session.end();
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.tick().then(
        () => {
          this.failures = 0;
          this.schedule(this.options.intervalMs);
        },
        async (err: unknown) => {
          this.failures++;
          this.options.logger?.warn({ err, failures: this.failures }, 'audit sealer round failed; retrying');
          await this.session.end();
          this.schedule(Math.min(30_000, this.options.intervalMs * 2 ** this.failures));
        },
      );
    }, ms);
  }
}
