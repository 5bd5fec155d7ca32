import type http from 'node:http';
import net from 'node:net';

/** The port is taken: a start-up error whose message is the one line an operator needs. */
export class PortInUseError extends Error {
  constructor(port: number, host: string) {
    super(
      `port ${port} is in use on ${host}; stop what listens there or set PORT=… (PORT=0 picks a free port)`,
    );
  }
}

const toStartError = (err: NodeJS.ErrnoException, port: number, host: string): Error =>
  err.code === 'EADDRINUSE' ? new PortInUseError(port, host) : err;

/** Listens, rejecting (instead of emitting an unhandled 'error') when the port cannot be bound. */
export function listen(server: http.Server | net.Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const fail = (err: NodeJS.ErrnoException) => reject(toStartError(err, port, host));
    server.once('error', fail);
    server.listen(port, host, () => {
      server.off('error', fail);
      resolve();
    });
  });
}

/** Fails fast, before the database starts, when the port is already taken. */
export async function assertPortFree(port: number, host: string): Promise<void> {
  if (port === 0) return;
  const probe = net.createServer();
  await listen(probe, port, host);
  await new Promise<void>((resolve) => probe.close(() => resolve()));
}
