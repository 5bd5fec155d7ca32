import { randomUUID } from 'node:crypto';
import Client from 'fhir-kit-client';
import pg from 'pg';
import type { OperationOutcome } from '@medplum/fhirtypes';
import { loadConfig } from '../../src/config';
import type { OrganizationKind } from '../../src/kernel/caller';
import { startService, type RunningService } from '../../src/server';
import { findDemoClient, requestAccessToken } from '../../src/security/backend-services-client';

/**
 * The demo clients in examples/clients, by organisation kind (the file name): the GP EHR, the VVT system, the MESO
 * team, the behandelnetwerk, the Coördinatiepunt ELV, …
 */
export type Role = OrganizationKind;

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

/** SMART Backend Services: a private_key_jwt client assertion exchanged at the token endpoint. */
export async function requestToken(origin: string, role: Role, scope?: string): Promise<string> {
  const client = findDemoClient(role);
  if (!client?.jwk) throw new Error(`no demo client with a private key for role ${role}`);
  const jwk = client.jwk;
  return requestAccessToken(
    `${origin}/auth/token`,
    { clientId: client.clientId, jwk },
    scope ?? client.scopes.join(' '),
  );
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
