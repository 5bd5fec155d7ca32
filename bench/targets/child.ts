/**
 * The process hosting one target: `node dist/bench/targets/child.js <kind> [input.json]`, forked by the bench so
 * that the load generator (autocannon, in the bench process) never shares an event loop with the server.
 */
import type { TargetKind } from '../settings';
import type { ChildMessage, ParentMessage, StartTarget, StartedTarget } from './protocol';
// Loaded lazily: a ceiling process should not carry the service's modules (nor fail when they do not build).
const TARGETS: Record<TargetKind, () => Promise<StartTarget>> = {
  service: async () => (await import('./service.js')).start,
  'node-http': async () => (await import('./node-http.js')).start,
  express: async () => (await import('./express.js')).start,
  medplum: async () => (await import('./medplum.js')).start,
};

const send = (message: ChildMessage) => process.send?.(message);

async function main(): Promise<void> {
  const [kind, input] = process.argv.slice(2) as [TargetKind, string | undefined];
  let target: StartedTarget | undefined;
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    // Closing lets the service stop its embedded PostgreSQL; a killed child would leave it running.
    await target?.close().catch(() => undefined);
    process.exit(0);
  };
  process.on('message', (message: ParentMessage) => {
    if (message.type === 'stop') void stop();
  });
  // The bench died or was interrupted: clean up all the same.
  process.on('disconnect', () => void stop());
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
  try {
    const load = TARGETS[kind];
    if (!load) throw new Error(`unknown target ${kind}`);
    target = await (await load())(input);
    send({ type: 'ready', url: target.url, baseUrl: target.baseUrl });
  } catch (err) {
    send({ type: 'failed', error: err instanceof Error ? (err.stack ?? err.message) : String(err) });
    await stop();
  }
}

void main();
