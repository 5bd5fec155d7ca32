import http from 'node:http';
import pino from 'pino';
import type { Bundle, Resource } from '@medplum/fhirtypes';
import { loadConfig } from '../../src/config';
import { ORGANIZATION_KINDS } from '../../src/kernel/caller';
import { startService, type RunningService } from '../../src/server';
import { createTestDatabaseUrl, requestToken, type Role } from '../support/test-server';

/** Every demo client, so that the access paths are fuzzed too. 'none' sends no token. */
export const ROLES: readonly Role[] = ORGANIZATION_KINDS;
export type Caller = Role | 'none';

export interface FuzzRequest {
  method: string;
  /** Path and query below the FHIR base, already encoded, e.g. `Patient?name=x`. */
  path: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  caller?: Caller;
}

export interface FuzzResponse {
  status: number;
  contentType: string;
  location?: string;
  text: string;
  requestId?: string;
}

/** One request that broke the property, compact enough to replay by hand. */
export interface Failure {
  what: string;
  request: FuzzRequest;
  status: number | string;
  problem: string;
  outcome: string;
  /** The first frame under src/ of the logged server error, and its message. */
  where: string;
}

const snippet = (text: string, max = 240) =>
  text.length > max ? `${text.slice(0, max)}… (${text.length} chars)` : text;

/** Server errors by request id, captured from the service's own pino log ('request failed'). */
class ErrorLog {
  private readonly byRequest = new Map<string, string>();
  readonly unattributed: string[] = [];

  write(line: string): void {
    let entry: { requestId?: string; err?: { message?: string; stack?: string }; msg?: string };
    try {
      entry = JSON.parse(line) as typeof entry;
    } catch {
      return;
    }
    const where = describeError(entry.err, entry.msg);
    if (entry.requestId) this.byRequest.set(entry.requestId, where);
    else this.unattributed.push(where);
  }

  take(requestId: string | undefined): string | undefined {
    if (!requestId) return undefined;
    const where = this.byRequest.get(requestId);
    this.byRequest.delete(requestId);
    return where;
  }
}

function describeError(err: { message?: string; stack?: string } | undefined, msg?: string): string {
  if (!err) return msg ?? 'logged without an error';
  const frame = (err.stack ?? '')
    .split('\n')
    .map((l) => l.trim())
    .find((l) => l.includes('/src/') && !l.includes('node_modules'));
  const place = frame
    ? frame
        .replace(/^at /, '')
        .replace(/.*\/src\//, 'src/')
        .replace(/\)$/, '')
    : '?';
  return `${place} — ${snippet(err.message ?? '', 160)}`;
}

/**
 * The real service (HTTP, authentication, access policy, validation, PostgreSQL) in this process, on its own
 * database with the demo data loaded, plus a raw HTTP client that sends exactly the bytes a case asks for.
 */
export class FuzzServer {
  private readonly tokens = new Map<Role, string>();
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 4 });
  readonly failures: Failure[] = [];

  private constructor(
    readonly service: RunningService,
    private readonly errors: ErrorLog,
  ) {}

  static async start(): Promise<FuzzServer> {
    const errors = new ErrorLog();
    const logger = pino({ level: 'error' }, { write: (line: string) => errors.write(line) });
    const config = loadConfig({
      DATABASE_URL: await createTestDatabaseUrl(),
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'error',
      LOAD_DEMO_DATA: 'true',
      NODE_ENV: 'test',
      // The rate limiter would answer 429 long before a fuzz run ends.
      RATE_LIMIT_PER_MINUTE: '100000000',
    });
    const service = await startService(config, logger);
    const server = new FuzzServer(service, errors);
    for (const role of ROLES) server.tokens.set(role, await requestToken(service.url, role));
    return server;
  }

  get basePath(): string {
    return new URL(this.service.baseUrl).pathname;
  }

  /** Sends the request; undefined when Node's own client refuses to send it (e.g. a header with a newline). */
  send(req: FuzzRequest): Promise<FuzzResponse | undefined> {
    const url = new URL(this.service.url);
    const headers: Record<string, string | number> = { ...req.headers };
    const caller = req.caller ?? 'admin';
    if (caller !== 'none') headers.Authorization = `Bearer ${this.tokens.get(caller)}`;
    const body = req.body === undefined ? undefined : Buffer.from(req.body);
    if (body) headers['Content-Length'] = body.length;
    return new Promise((resolve, reject) => {
      let request: http.ClientRequest;
      try {
        request = http.request(
          {
            host: url.hostname,
            port: url.port,
            method: req.method,
            path: `${this.basePath}/${req.path}`,
            headers,
            agent: this.agent,
          },
          (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (c: Buffer) => chunks.push(c));
            res.on('end', () =>
              resolve({
                status: res.statusCode ?? 0,
                contentType: String(res.headers['content-type'] ?? ''),
                location: res.headers.location,
                text: Buffer.concat(chunks).toString('utf8'),
                requestId: res.headers['x-request-id'] as string | undefined,
              }),
            );
            res.on('error', reject);
          },
        );
      } catch {
        resolve(undefined); // ERR_INVALID_CHAR, ERR_UNESCAPED_CHARACTERS: not sendable, not a server matter
        return;
      }
      request.setTimeout(60_000, () => request.destroy(new Error('no answer within 60 s')));
      request.on('error', (err) =>
        resolve({ status: 0, contentType: '', text: `client error: ${err.message}` }),
      );
      request.end(body);
    });
  }

  /**
   * Sends the request and checks the property: never a 5xx (nor a 5xx entry in a batch/transaction response), every
   * 4xx an OperationOutcome with at least one issue. Records a failure and returns the response.
   */
  async exchange(what: string, req: FuzzRequest): Promise<FuzzResponse | undefined> {
    const res = await this.send(req);
    if (!res) return undefined;
    const problem = problemOf(res);
    if (problem) this.record(what, req, res, problem);
    return res;
  }

  record(what: string, req: FuzzRequest, res: FuzzResponse, problem: string): void {
    this.failures.push({
      what,
      request: { ...req, body: req.body === undefined ? undefined : snippet(req.body.toString()) },
      status: res.status || 'no response',
      problem,
      outcome: snippet(res.text, 300),
      where: this.errors.take(res.requestId) ?? 'not logged',
    });
  }

  /**
   * Throws when any case broke the property, with the failures grouped by class (status and the server frame that
   * threw, or the problem when nothing was logged), each with a count and its first reproduction; then starts afresh.
   */
  assertNoFailures(seed: number): void {
    const failures = this.failures.splice(0);
    if (failures.length === 0) return;
    throw new Error(
      `${failures.length} request(s) broke the property (FUZZ_SEED=${seed}); by class:\n${report(failures)}`,
    );
  }

  /** The demo data as stored (ids and references resolved), read back as admin. */
  async storedResources(types: readonly string[]): Promise<Resource[]> {
    const all: Resource[] = [];
    for (const type of types) {
      const res = await this.send({ method: 'GET', path: `${type}?_count=200` });
      if (res?.status !== 200) throw new Error(`GET ${type} answered ${res?.status}: ${res?.text}`);
      const bundle = JSON.parse(res.text) as Bundle;
      all.push(...(bundle.entry ?? []).flatMap((e) => (e.resource ? [e.resource] : [])));
    }
    return all;
  }

  async close(): Promise<void> {
    this.agent.destroy();
    await this.service.close();
  }
}

/** One class per status and throwing frame (or problem text with indexes and numbers blurred). */
function classOf(f: Failure): string {
  const place =
    f.where === 'not logged' ? f.problem.replace(/\d+/g, 'N').slice(0, 120) : f.where.split(' — ')[0];
  return `${f.status} | ${place}`;
}

function report(failures: Failure[]): string {
  const classes = new Map<string, { count: number; first: Failure }>();
  for (const f of failures) {
    const key = classOf(f);
    const known = classes.get(key);
    if (known) known.count++;
    else classes.set(key, { count: 1, first: f });
  }
  return [...classes.entries()]
    .sort((a, b) => b[1].count - a[1].count)
    .map(([key, { count, first }]) => {
      const r = first.request;
      const head = Object.entries(r.headers ?? {})
        .map(([k, v]) => `${k}: ${snippet(v, 80)}`)
        .join('; ');
      return [
        `× ${count}  ${key}`,
        `    where: ${first.where}`,
        `    problem: ${first.problem}`,
        `    case: ${first.what}`,
        `    ${r.method} ${snippet(r.path, 300)}  as ${r.caller ?? 'admin'}${head ? `  [${head}]` : ''}`,
        r.body ? `    body: ${r.body}` : '',
        `    answer: ${first.outcome}`,
      ]
        .filter(Boolean)
        .join('\n');
    })
    .join('\n');
}

/** Why a response breaks the property, or undefined. */
export function problemOf(res: FuzzResponse): string | undefined {
  if (res.status === 0) return res.text;
  if (res.status >= 500) return `${res.status} ${outcomeDiagnostics(res) ?? ''}`.trim();
  if (res.status >= 400) return outcomeProblem(res);
  if (res.status === 200 && /json/.test(res.contentType)) return entryProblem(res.text);
  return undefined;
}

function parsed(res: FuzzResponse): { resourceType?: string; issue?: unknown } | undefined {
  try {
    return JSON.parse(res.text) as { resourceType?: string; issue?: unknown };
  } catch {
    return undefined;
  }
}

function outcomeDiagnostics(res: FuzzResponse): string | undefined {
  const issues = parsed(res)?.issue;
  if (!Array.isArray(issues)) return undefined;
  return (issues as Array<{ diagnostics?: string }>).map((i) => i.diagnostics).join('; ');
}

function outcomeProblem(res: FuzzResponse): string | undefined {
  if (/xml/.test(res.contentType)) {
    return /<OperationOutcome[\s>]/.test(res.text) && /<issue>/.test(res.text)
      ? undefined
      : `${res.status} without an XML OperationOutcome`;
  }
  const body = parsed(res);
  if (!body) return `${res.status} without a JSON body (${res.contentType || 'no content type'})`;
  if (body.resourceType !== 'OperationOutcome') return `${res.status} with a ${body.resourceType}`;
  if (!Array.isArray(body.issue) || body.issue.length === 0)
    return `${res.status} with an empty OperationOutcome`;
  return undefined;
}

/** A batch or transaction answered 200 may still carry a 5xx for one entry. */
function entryProblem(text: string): string | undefined {
  if (!text.includes('"-response"') && !text.includes('-response"')) return undefined;
  let bundle: Bundle;
  try {
    bundle = JSON.parse(text) as Bundle;
  } catch {
    return undefined;
  }
  if (bundle.resourceType !== 'Bundle') return undefined;
  const bad = (bundle.entry ?? []).find((e) => /^5/.test(e.response?.status ?? ''));
  if (!bad) return undefined;
  const outcome = bad.response?.outcome as { issue?: Array<{ diagnostics?: string }> } | undefined;
  return `entry ${bad.response?.status} ${outcome?.issue?.map((i) => i.diagnostics).join('; ') ?? ''}`.trim();
}
