import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { assertPortFree, listen, PortInUseError } from '../../src/http/listen';
import { loadConfig } from '../../src/config';
import { startService } from '../../src/server';

let taken: net.Server;
let port: number;

beforeAll(async () => {
  taken = net.createServer();
  await listen(taken, 0, '127.0.0.1');
  port = (taken.address() as net.AddressInfo).port;
});
afterAll(() => new Promise((resolve) => taken.close(resolve)));

describe('a port that is taken', () => {
  it('is a PortInUseError with one clear line, not an unhandled error event', async () => {
    await expect(listen(http.createServer(), port, '127.0.0.1')).rejects.toThrow(
      new PortInUseError(port, '127.0.0.1'),
    );
    await expect(assertPortFree(port, '127.0.0.1')).rejects.toThrow(/port \d+ is in use.*set PORT=/);
    await expect(assertPortFree(0, '127.0.0.1')).resolves.toBeUndefined();
  });

  it('stops the start-up before the database is started (no embedded PostgreSQL, no data dir)', async () => {
    const dataDir = path.join(os.tmpdir(), `meso-port-test-${process.pid}`);
    const config = loadConfig({
      PORT: String(port),
      HOST: '127.0.0.1',
      DATA_DIR: dataDir,
      LOG_LEVEL: 'silent',
    });
    const started = Date.now();
    await expect(startService(config)).rejects.toBeInstanceOf(PortInUseError);
    expect(Date.now() - started).toBeLessThan(1000);
    expect(fs.existsSync(dataDir)).toBe(false);
  });
});
