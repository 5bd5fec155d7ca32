import type PgBoss from 'pg-boss';

/**
 * Has the worker `id()` fetch again at once after a full batch. pg-boss 10 waits its polling interval (2 s) after
 * every fetch, a full one too, so a queue drained at most one batch per 2 s (the outbox 50 changes: 25/s), fewer
 * than one busy client writes (a referral transaction is four changes): under load the backlog, and with it the
 * delay of every Subscription notification, grew for as long as the load lasted. A full batch means more wait.
 */
export function fetchAgainWhenFull(boss: PgBoss, batchSize: number, id: () => string) {
  return (jobs: readonly unknown[]): void => {
    if (jobs.length >= batchSize) boss.notifyWorker(id());
  };
}
