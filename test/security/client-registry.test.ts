import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  ClientRegistry,
  configuredClients,
  loadDemoClients,
  parseClientConfig,
} from '../../src/security/client-registry';
import type { Queryable } from '../../src/store/database';
import { projectPath } from '../../src/project-root';
import { URA_SYSTEM } from '../../src/security/access-policy';
import { ORGANIZATION_KINDS } from '../../src/kernel/caller';
import { testConfig } from './security-test-support';

const demoDir = projectPath('examples', 'clients');

describe('demo clients (examples/clients)', () => {
  const demo = loadDemoClients(demoDir);

  it('has one client per organisation kind, all marked demo', () => {
    expect(demo.map((c) => c.organization.kind).sort()).toEqual([
      'admin',
      'behandelnetwerk',
      'ctv',
      'gp',
      'meso-team',
      'platform',
      'vvt',
    ]);
    expect(demo.map((c) => c.organization.kind).sort()).toEqual([...ORGANIZATION_KINDS].sort());
    expect(demo.every((c) => c.demo)).toBe(true);
  });

  it("uses the URA numbers of the demo data's organisations", () => {
    const bundle = JSON.parse(fs.readFileSync(projectPath('examples', 'demo-data.json'), 'utf8')) as {
      entry: Array<{
        resource: {
          resourceType: string;
          name?: string;
          identifier?: Array<{ system: string; value: string }>;
        };
      }>;
    };
    const orgs = new Map(
      bundle.entry
        .filter((e) => e.resource.resourceType === 'Organization')
        .map((e) => [e.resource.identifier?.find((i) => i.system === URA_SYSTEM)?.value, e.resource.name]),
    );
    for (const client of demo.filter((c) => c.organization.ura)) {
      expect(orgs.get(client.organization.ura)).toBe(client.organization.name);
    }
  });

  it('has a DEMO-ONLY private key for each client, matching its public key', () => {
    for (const name of fs.readdirSync(demoDir).filter((f) => f.endsWith('.json'))) {
      const file = JSON.parse(fs.readFileSync(path.join(demoDir, name), 'utf8')) as {
        privateKeyFile: string;
        jwks: { keys: Array<{ kid: string }> };
      };
      const key = JSON.parse(fs.readFileSync(path.join(demoDir, file.privateKeyFile), 'utf8')) as {
        warning: string;
        jwk: { kid: string; d?: string };
      };
      expect(key.warning).toMatch(/^DEMO-ONLY/);
      expect(key.jwk.d).toBeDefined();
      expect(key.jwk.kid).toBe(file.jwks.keys[0].kid);
    }
  });

  it('are not configured in production', () => {
    expect(configuredClients(testConfig({ demoClientsDir: demoDir })).length).toBe(7);
    expect(configuredClients(testConfig({ demoClientsDir: demoDir, nodeEnv: 'production' }))).toEqual([]);
  });
});

describe('client configuration', () => {
  const valid = loadDemoClients(demoDir)[0];

  it('reads CLIENTS_FILE (one client or an array) as non-demo clients', () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'clients-')), 'clients.json');
    fs.writeFileSync(file, JSON.stringify([{ ...valid, clientId: 'real-client', demo: undefined }]));
    const clients = configuredClients(testConfig({ clientsFile: file, nodeEnv: 'production' }));
    expect(clients.map((c) => [c.clientId, c.demo])).toEqual([['real-client', false]]);
  });

  it('refuses private keys in the registry and care providers without URA/AGB', () => {
    const withPrivate = { ...valid, jwks: { keys: [{ ...valid.jwks.keys[0], d: 'secret' }] } };
    expect(() => parseClientConfig(withPrivate, 'x')).toThrow(/public keys/);
    expect(() => parseClientConfig({ ...valid, organization: { kind: 'gp', name: 'x' } }, 'x')).toThrow(
      /ura/,
    );
    expect(() =>
      parseClientConfig({ ...valid, organization: { ...valid.organization, kind: 'hacker' } }, 'x'),
    ).toThrow(/kind/);
    // The behandelnetwerk and the CTV are care providers too: identified by URA or AGB.
    for (const kind of ['behandelnetwerk', 'ctv'])
      expect(() => parseClientConfig({ ...valid, organization: { kind, name: 'x' } }, 'x')).toThrow(/ura/);
    expect(
      parseClientConfig({ ...valid, organization: { kind: 'ctv', name: 'x', ura: '90000055' } }, 'x')
        .organization.kind,
    ).toBe('ctv');
  });
});

describe('the client cache (lru-cache, issue 9)', () => {
  /** A database that knows one client, and counts how often each id is looked up. */
  function countingDb() {
    const lookups = new Map<string, number>();
    const row = {
      client_id: 'busy',
      name: 'Busy EHR',
      organization_kind: 'admin',
      organization_name: 'Beheer',
      organization_ura: null,
      organization_agb: null,
      organization_reference: null,
      jwks: { keys: [] },
      scopes: ['system/*.rs'],
      identifiable: true,
      demo: false,
    };
    const db = {
      query: async (_sql: string, values?: unknown[]) => {
        const id = String(values?.[0]);
        lookups.set(id, (lookups.get(id) ?? 0) + 1);
        return { rows: id === 'busy' ? [row] : [] };
      },
    } as unknown as Queryable;
    return { db, lookups };
  }

  it('keeps a busy client while unknown client ids flood it (the old cache forgot everything at 1,000)', async () => {
    const { db, lookups } = countingDb();
    const registry = new ClientRegistry(db, testConfig());
    for (let i = 0; i < 2500; i++) {
      expect((await registry.find('busy'))?.name).toBe('Busy EHR');
      expect(await registry.find(`attacker-${i}`)).toBeUndefined();
    }
    expect(lookups.get('busy')).toBe(1);
    // An unknown id is remembered as unknown, too.
    await registry.find('attacker-2499');
    expect(lookups.get('attacker-2499')).toBe(1);
    registry.invalidate('busy');
    await registry.find('busy');
    expect(lookups.get('busy')).toBe(2);
  });
});
