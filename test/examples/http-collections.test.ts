import fs from 'node:fs';
import path from 'node:path';
import { projectPath } from '../../src/project-root';
import { startTestServer, type Role, type TestServer } from '../support/test-server';

/**
 * The request collections in examples/http are documentation a user runs by hand; this runs every request in
 * them against the real service with the demo data, so a collection that no longer tells the truth fails here.
 */
const DIR = projectPath('examples', 'http');
const TOKENS: Record<string, Role> = {
  TOKEN_GP: 'gp',
  TOKEN_VVT: 'vvt',
  TOKEN_PLATFORM: 'platform',
  TOKEN_ADMIN: 'admin',
  TOKEN_MESO: 'meso-team',
  TOKEN_BEHANDELNETWERK: 'behandelnetwerk',
  TOKEN_CTV: 'ctv',
};

interface HttpRequest {
  title: string;
  /** `# @name x`: later requests use its JSON body as `{{x.response.body.$.path}}` (REST Client, httpyac). */
  name?: string;
  expect: number;
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: string;
  /** An inline body takes {{variables}} like the URL (REST Client, httpyac); a `< file` body is sent as is. */
  inlineBody: boolean;
}

/** The subset of the REST Client / httpyac format the collections use: @variables, ###, headers, `< file`. */
function parseCollection(file: string): { variables: Map<string, string>; requests: HttpRequest[] } {
  const [head, ...blocks] = fs.readFileSync(file, 'utf8').split(/^###/m);
  const variables = new Map<string, string>();
  for (const m of head.matchAll(/^@(\w+)\s*=\s*(.*)$/gm)) variables.set(m[1], m[2].trim());
  return { variables, requests: blocks.map((block) => parseRequest(block, path.dirname(file))) };
}

function parseRequest(block: string, dir: string): HttpRequest {
  const lines = block.split('\n');
  const title = lines.shift()?.trim() ?? '';
  let expect = NaN;
  let name: string | undefined;
  while (lines.length && /^\s*(#|\/\/|$)/.test(lines[0])) {
    const line = lines.shift() as string;
    const m = /^#\s*expect:\s*(\d{3})/.exec(line);
    if (m) expect = Number(m[1]);
    name = /^#\s*@name\s+(\w+)/.exec(line)?.[1] ?? name;
  }
  const [method, url] = (lines.shift() ?? '').trim().split(/\s+/);
  const headers: Record<string, string> = {};
  while (lines.length && lines[0].trim() !== '') {
    const [name, ...value] = (lines.shift() as string).split(':');
    headers[name.trim()] = value.join(':').trim();
  }
  const text = lines.join('\n').trim();
  const body = text.startsWith('< ') ? fs.readFileSync(path.join(dir, text.slice(2).trim()), 'utf8') : text;
  return { title, name, expect, method, url, headers, body: body || undefined, inlineBody: !text.startsWith('< ') };
}

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ LOAD_DEMO_DATA: 'true' });
});
afterAll(() => server.close());

/** `{{x.response.body.$.a[0].b}}`: a value from the JSON body of the earlier request named x. */
function fromResponse(text: string, responses: Map<string, unknown>): string {
  return text.replace(/\{\{\s*(\w+)\.response\.body\.\$((?:\.\w+|\[\d+\])*)\s*\}\}/g, (whole, name: string, path: string) => {
    let value = responses.get(name);
    for (const [, key, index] of path.matchAll(/\.(\w+)|\[(\d+)\]/g))
      value = (value as Record<string, unknown> | undefined)?.[key ?? Number(index)];
    if (typeof value !== 'string' && typeof value !== 'number') throw new Error(`no value for ${whole}`);
    return String(value);
  });
}

async function substitute(
  text: string,
  variables: Map<string, string>,
  responses = new Map<string, unknown>(),
): Promise<string> {
  let out = fromResponse(text, responses);
  for (let round = 0; round < 5 && out.includes('{{'); round++) {
    const names = [...out.matchAll(/\{\{\s*(\$processEnv\s+)?(\w+)\s*\}\}/g)];
    for (const [whole, env, name] of names) {
      const value = env ? await server.authHeader(TOKENS[name]) : variables.get(name);
      if (value === undefined) throw new Error(`unknown variable ${whole}`);
      out = out.replace(whole, env ? value.replace(/^Bearer /, '') : value);
    }
  }
  // The collections name the default local service; the test server listens elsewhere.
  return out.replace('http://localhost:8080', server.service.url);
}

const files = fs.readdirSync(DIR).filter((f) => f.endsWith('.http'));

it('has a collection for each documented use case, and every request says what it expects', () => {
  expect(files.sort()).toEqual(
    expect.arrayContaining([
      'gp.http',
      'platform-queries-episodes.http',
      'vvt.http',
      'meso-team.http',
      'behandelnetwerk.http',
      'ctv.http',
    ]),
  );
  for (const file of files)
    for (const request of parseCollection(path.join(DIR, file)).requests)
      expect({ file, title: request.title, expect: request.expect }).toEqual({
        file,
        title: request.title,
        expect: expect.any(Number),
      });
});

describe.each(files)('%s', (file) => {
  it('answers every request as the collection says', async () => {
    const { variables, requests } = parseCollection(path.join(DIR, file));
    const seen: string[] = [];
    const responses = new Map<string, unknown>();
    for (const request of requests) {
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(request.headers))
        headers[name] = await substitute(value, variables, responses);
      const res = await fetch(await substitute(request.url, variables, responses), {
        method: request.method,
        headers,
        body:
          request.body && request.inlineBody ? await substitute(request.body, variables, responses) : request.body,
      });
      const text = await res.text();
      if (request.name) responses.set(request.name, JSON.parse(text));
      seen.push(`${res.status} ${request.title}`);
      expect(`${res.status} ${request.title}`).toBe(`${request.expect} ${request.title}`);
      if (res.status >= 400 && !/xml/.test(res.headers.get('content-type') ?? '')) {
        const outcome = JSON.parse(text) as { resourceType: string; issue: Array<{ diagnostics?: string }> };
        expect(outcome.resourceType).toBe('OperationOutcome');
        expect(outcome.issue[0].diagnostics).toBeTruthy();
      }
    }
    expect(seen).toHaveLength(requests.length);
  });
});
