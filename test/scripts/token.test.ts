import net from 'node:net';
import { decodeJwt } from 'jose';
import { defaultServiceUrl, issueToken, parseTokenArgs, USAGE } from '../../scripts/token';
import { startTestServer, type TestServer } from '../support/test-server';

describe('npm run token: which service it asks', () => {
  it('follows PUBLIC_URL, then BASE_URL, then PORT, like the service itself', () => {
    expect(defaultServiceUrl({})).toBe('http://localhost:8080');
    expect(defaultServiceUrl({ PORT: '9191' })).toBe('http://localhost:9191');
    expect(defaultServiceUrl({ PORT: '9191', BASE_URL: 'https://fhir.example.nl/fhir' })).toBe(
      'https://fhir.example.nl',
    );
    expect(defaultServiceUrl({ BASE_URL: 'https://a.example/fhir', PUBLIC_URL: 'https://b.example' })).toBe(
      'https://b.example',
    );
  });

  it('lets --url win and drops a trailing /fhir', () => {
    const options = parseTokenArgs(['--client', 'x', '--url', 'http://127.0.0.1:7000/fhir/'], {
      PORT: '9191',
    });
    expect(options.url).toBe('http://127.0.0.1:7000');
    expect(parseTokenArgs(['--client', 'x'], { PORT: '9191' }).url).toBe('http://localhost:9191');
  });

  it('has --help documenting every option, and clear errors', () => {
    expect(parseTokenArgs(['--help'], {}).help).toBe(true);
    for (const option of [
      '--url',
      '--scope',
      '--offline',
      '--user-uzi',
      '--user-name',
      '--user-role',
      '--key',
      '--client',
    ])
      expect(USAGE).toContain(option);
    expect(() => parseTokenArgs([], {})).toThrow(/--client .* required/);
    expect(() => parseTokenArgs(['--client', 'x', '--bogus'], {})).toThrow(/unknown option --bogus/);
    expect(() => parseTokenArgs(['--client', 'x', '--scope'], {})).toThrow(/--scope needs a value/);
  });
});

describe('npm run token against a running service', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.close());

  it('prints the URL it used on stderr and returns a token from that service', async () => {
    const stderr = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      const options = parseTokenArgs(['--client', 'demo-gp-de-brink', '--scope', 'system/Patient.rs'], {
        PORT: String(new URL(server.service.url).port),
      });
      const token = await issueToken(options);
      expect(decodeJwt(token).scope).toBe('system/Patient.rs');
      expect(stderr.mock.calls.map((c) => String(c[0])).join('')).toContain(
        `http://localhost:${new URL(server.service.url).port}/auth/token`,
      );
    } finally {
      stderr.mockRestore();
    }
  });

  it('says there is no service when nothing listens', async () => {
    const stderr = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      const closed = net.createServer();
      await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
      const port = (closed.address() as net.AddressInfo).port;
      await new Promise((resolve) => closed.close(resolve));
      const options = parseTokenArgs(['--client', 'demo-gp-de-brink', '--url', `http://127.0.0.1:${port}`]);
      await expect(issueToken(options)).rejects.toThrow(
        `no service at http://127.0.0.1:${port} (ECONNREFUSED); start it, or pass --url`,
      );
    } finally {
      stderr.mockRestore();
    }
  });
});
