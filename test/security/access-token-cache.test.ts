import { errors } from 'jose';
import { AccessTokens } from '../../src/security/access-token';
import { SigningKeys } from '../../src/security/signing-keys';
import { freshDatabase } from './security-test-support';

it('cached tokens still expire and stay bound to the origin', async () => {
  const db = await freshDatabase();
  const keys = new SigningKeys(db, 3_600_000, 1000);
  await keys.init();
  const tokens = new AccessTokens(keys, 1, '/fhir');
  const client = {
    clientId: 'c',
    name: 'c',
    organization: { kind: 'admin' as const, name: 'a' },
    jwks: { keys: [] },
    scopes: [],
    identifiable: false,
    demo: true,
  };
  const { accessToken } = await tokens.issue('http://a', client, []);
  expect((await tokens.verify('http://a', accessToken)).client_id).toBe('c');
  expect((await tokens.verify('http://a', accessToken)).client_id).toBe('c');
  await expect(tokens.verify('http://b', accessToken)).rejects.toThrow();
  await new Promise((r) => setTimeout(r, 7000));
  await expect(tokens.verify('http://a', accessToken)).rejects.toBeInstanceOf(errors.JWTExpired);
  await db.close();
}, 20000);
