import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import type { TargetKind } from '../settings';
import type { ChildMessage, ParentMessage, StartedTarget } from './protocol';

// Embedded PostgreSQL's first start runs initdb; give it time.
const START_TIMEOUT_MS = 180_000;
const STOP_TIMEOUT_MS = 30_000;

/** Forks `child.js <kind> [input]` with `env` and waits until the target listens. */
export function spawnTarget(
  kind: TargetKind,
  input: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
): Promise<StartedTarget> {
  const child = fork(path.join(__dirname, 'child.js'), input ? [kind, input] : [kind], {
    env,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGTERM');
      reject(new Error(`${kind} did not start within ${START_TIMEOUT_MS / 1000} s`));
    }, START_TIMEOUT_MS);
    let ready = false;
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      if (!ready) reject(new Error(`${kind} exited (${code ?? signal}) before it was ready`));
      else if (code !== 0) process.stderr.write(`[bench] ${kind} exited unexpectedly (${code ?? signal})\n`);
    });
    child.once('message', (message: ChildMessage) => {
      clearTimeout(timer);
      if (message.type === 'failed') {
        reject(new Error(`${kind} failed to start: ${message.error}`));
        return;
      }
      ready = true;
      resolve({ url: message.url, baseUrl: message.baseUrl, close: () => stopChild(child) });
    });
  });
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.send({ type: 'stop' } satisfies ParentMessage);
  });
}
