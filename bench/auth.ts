import { findDemoClient, requestAccessToken } from '../src/security/backend-services-client';

/** The demo admin client (examples/clients/admin.json): sees every patient, no compartment filtering. */
export const BENCH_CLIENT_ID = process.env.BENCH_CLIENT_ID || 'demo-admin';
/**
 * A bearer token for the service at `baseUrl` (its FHIR base, e.g. http://127.0.0.1:1234/fhir): SMART Backend
 * Services client_credentials with a private_key_jwt assertion (RFC 7523) signed by the demo admin client, as
 * `npm run token -- --client demo-admin` does. BENCH_TOKEN, when set, is used as is.
 */
export async function obtainToken(baseUrl: string): Promise<string> {
  if (process.env.BENCH_TOKEN) return process.env.BENCH_TOKEN;
  return obtainTokenFor(baseUrl, BENCH_CLIENT_ID);
}

/** A bearer token for the demo client `clientId` (examples/clients), whatever BENCH_CLIENT_ID says. */
export async function obtainTokenFor(baseUrl: string, clientId: string): Promise<string> {
  const client = findDemoClient(clientId);
  if (!client?.jwk) throw new Error(`No demo client with a private key: ${clientId}`);
  const tokenUrl = `${new URL(baseUrl).origin}/auth/token`;
  return requestAccessToken(
    tokenUrl,
    { clientId: client.clientId, jwk: client.jwk },
    client.scopes.join(' '),
  );
}
