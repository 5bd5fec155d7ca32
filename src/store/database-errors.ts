/**
 * Which database errors mean "the database cannot serve now" rather than "this request is wrong": the one place
 * that knows pg's and PostgreSQL's ways of saying so. The REST layer turns them into 503 (error-response.ts).
 */
export interface DatabaseFault {
  /**
   * unavailable: unreachable, restarting, or the connection was lost. timeout: it did not answer in time.
   * conflict: a concurrent transaction on the same rows won (deadlock, serialization); this one was rolled back.
   */
  kind: 'unavailable' | 'timeout' | 'conflict';
  reason: string;
  /** The connection can no longer be trusted (lost, or still busy after a client-side timeout): discard it. */
  broken: boolean;
}

// Socket errors from node:net (and dns) on the way to the server.
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

// SQLSTATEs (PostgreSQL appendix A). Class 08 (connection exception) is matched by prefix.
const UNAVAILABLE_STATES: Record<string, string> = {
  '57P01': 'the database server is shutting down (admin_shutdown)',
  '57P02': 'the database server crashed (crash_shutdown)',
  '57P03': 'the database server is starting up or shutting down (cannot_connect_now)',
  '53300': 'the database server has no free connection slot (too_many_connections)',
};
const TIMEOUT_STATES: Record<string, string> = {
  '57014': 'a database statement took too long and was cancelled (statement timeout)',
  '55P03': 'a database lock could not be obtained in time (lock timeout)',
};
// Class 40 (transaction rollback): the transaction lost to a concurrent one and was rolled back; sending it again
// is safe. Seen when a MESO import and a referral acceptance lock the same patient's rows in another order.
const CONFLICT_STATES: Record<string, string> = {
  '40P01': 'it collided with a concurrent change to the same data (deadlock detected)',
  '40001': 'it collided with a concurrent change to the same data (serialization failure)',
};
// The server ends the session after this one.
const FATAL_TIMEOUT_STATES: Record<string, string> = {
  '25P03': 'a database transaction was idle for too long (idle-in-transaction timeout)',
};

// Messages of pg and pg-pool, which set no code.
const UNAVAILABLE_MESSAGES = [
  /^Connection terminated/,
  /is not queryable/,
  /^Cannot use a pool after calling end/,
];
const TIMEOUT_MESSAGES = [
  /^timeout exceeded when trying to connect/,
  /^Query read timeout/,
  /timeout expired/,
];

interface ErrorLike {
  code?: unknown;
  message?: unknown;
  cause?: unknown;
  errors?: unknown;
}

/** The fault, if `err` (or its cause, or one of an AggregateError's errors) is one; otherwise undefined. */
export function classifyDatabaseError(err: unknown, depth = 0): DatabaseFault | undefined {
  if (err === null || typeof err !== 'object' || depth > 4) return undefined;
  const e = err as ErrorLike;
  const code = typeof e.code === 'string' ? e.code : '';
  const message = typeof e.message === 'string' ? e.message : '';
  const unavailable = (reason: string): DatabaseFault => ({ kind: 'unavailable', reason, broken: true });
  if (NETWORK_CODES.has(code)) return unavailable(`the database cannot be reached (${code})`);
  if (UNAVAILABLE_STATES[code]) return unavailable(UNAVAILABLE_STATES[code]);
  if (/^08[0-9A-Z]{3}$/.test(code)) return unavailable(`the database connection failed (SQLSTATE ${code})`);
  if (CONFLICT_STATES[code]) return { kind: 'conflict', reason: CONFLICT_STATES[code], broken: false };
  if (TIMEOUT_STATES[code]) return { kind: 'timeout', reason: TIMEOUT_STATES[code], broken: false };
  if (FATAL_TIMEOUT_STATES[code])
    return { kind: 'timeout', reason: FATAL_TIMEOUT_STATES[code], broken: true };
  if (UNAVAILABLE_MESSAGES.some((m) => m.test(message)))
    return unavailable('the database connection was lost');
  if (TIMEOUT_MESSAGES.some((m) => m.test(message)))
    return { kind: 'timeout', reason: 'the database did not answer in time', broken: true };
  const nested = [e.cause, ...(Array.isArray(e.errors) ? e.errors : [])];
  for (const inner of nested) {
    const fault = classifyDatabaseError(inner, depth + 1);
    if (fault) return fault;
  }
  return undefined;
}
