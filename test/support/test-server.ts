import fs from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import Client from 'fhir-kit-client';
import pg from 'pg';
import { importJWK, SignJWT, type JWK } from 'jose';
import type { OperationOutcome } from '@medplum/fhirtypes';
import { loadConfig } from '../../src/config';
import { startService, type RunningService } from '../../src/server';
import { projectPath } from '../../src/project-root';

/** The demo clients in examples/clients, by organisation kind: the GP EHR, the VVT system, the MESO team, … */
export type Role = 'admin' | 'gp' | 'vvt' | 'meso-team' | 'platform';

export interface TestServer {
  service: RunningService;
  baseUrl: string;
  /** A fhir-kit-client acting as the demo client of this role, with a real token from /auth/token. */
  client(role: Role): Promise<Client>;
  authHeader(role: Role): Promise<string>;
  close(): Promise<void>;
}

/** A fresh, empty database in the jest-wide embedded PostgreSQL. */
export async function createTestDatabaseUrl(): Promise<string> {
  const adminUrl = process.env.TEST_DATABASE_URL as string;
  const name = `t_${randomUUID().replace(/-/g, '')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

/** Starts the real service on a random port against its own database. */
export async function startTestServer(env: Record<string, string> = {}): Promise<TestServer> {
  const config = loadConfig({
    DATABASE_URL: await createTestDatabaseUrl(),
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'silent',
    LOAD_DEMO_DATA: 'false',
    NODE_ENV: 'test',
    ...env,
  });
  const service = await startService(config);
  const tokens = new Map<Role, string>();
  const authHeader = async (role: Role) => {
    if (!tokens.has(role)) tokens.set(role, await requestToken(service.url, role));
    return `Bearer ${tokens.get(role)}`;
  };
  return {
    service,
    baseUrl: service.baseUrl,
    authHeader,
    async client(role: Role) {
      return new Client({
        baseUrl: service.baseUrl,
        customHeaders: { Authorization: await authHeader(role) },
      });
    },
    close: () => service.close(),
  };
}

interface DemoClient {
  clientId: string;
  scopes: string[];
  privateKeyFile: string;
}

export function demoClient(role: Role): DemoClient {
  return JSON.parse(
    fs.readFileSync(projectPath('examples', 'clients', `${role}.json`), 'utf8'),
  ) as DemoClient;
}

/** SMART Backend Services: a private_key_jwt client assertion exchanged at the token endpoint. */
export async function requestToken(origin: string, role: Role, scope?: string): Promise<string> {
  const client = demoClient(role);
  const jwk = JSON.parse(
    fs.readFileSync(path.join(projectPath('examples', 'clients'), client.privateKeyFile), 'utf8'),
  ) as JWK & {
    jwk?: JWK;
  };
  const privateJwk = jwk.jwk ?? jwk;
  const alg = privateJwk.alg ?? 'ES384';
  const key = await importJWK(privateJwk, alg);
  const tokenUrl = `${origin}/auth/token`;
  const assertion = await new SignJWT({})
    .setProtectedHeader({ alg, kid: privateJwk.kid })
    .setIssuer(client.clientId)
    .setSubject(client.clientId)
    .setAudience(tokenUrl)
    .setJti(randomUUID())
    .setIssuedAt()
    .setExpirationTime('4m')
    .sign(key);
  const res = await fetch(tokenUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
      client_assertion: assertion,
      scope: scope ?? client.scopes.join(' '),
    }),
  });
  const body = (await res.json()) as { access_token?: string; error?: string; error_description?: string };
  if (!body.access_token)
    throw new Error(
      `token request for ${role} failed: ${res.status} ${body.error} ${body.error_description}`,
    );
  return body.access_token;
}

/** Asserts an OperationOutcome with an issue of this code (and, optionally, diagnostics matching a pattern). */
export function expectOutcome(body: unknown, code: string, diagnostics?: RegExp): OperationOutcome {
  const outcome = body as OperationOutcome;
  expect(outcome.resourceType).toBe('OperationOutcome');
  const match = outcome.issue.find(
    (i) => i.code === code && (!diagnostics || diagnostics.test(i.diagnostics ?? '')),
  );
  if (!match)
    throw new Error(
      `no issue with code ${code}${diagnostics ? ` matching ${diagnostics}` : ''} in ${JSON.stringify(outcome.issue)}`,
    );
  return outcome;
}
