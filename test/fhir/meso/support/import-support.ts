import type { Resource } from '@medplum/fhirtypes';
import { buildFhirEngine } from '../../../../src/fhir/engine';
import type { FhirRepository } from '../../../../src/fhir/repository';
import { AccessPolicy } from '../../../../src/security/access-policy';
import type { Caller } from '../../../../src/kernel/caller';
import type { RequestContext } from '../../../../src/kernel/request-context';
import type { Database } from '../../../../src/store/database';
import { createTestDatabase } from '../../../support/test-database';

/** The demo MESO team (examples/clients/meso-team.json) as a caller with every scope it is registered for. */
export const MESO_TEAM: Caller = {
  clientId: 'demo-meso-midden-drenthe',
  clientName: 'MESO-team systeem Midden-Drenthe (demo)',
  organization: {
    kind: 'meso-team',
    name: 'MESO Ouderenzorg Midden-Drenthe',
    ura: '90000022',
    agb: '98051235',
  },
  scopes: [{ resourceType: '*', interactions: 'cruds' }],
  pseudonymised: false,
};

export const mesoCtx = (requestId = 'meso-import-test'): RequestContext => ({
  requestId,
  baseUrl: 'http://localhost:8080/fhir',
  caller: MESO_TEAM,
});

/** Without a caller: the service itself (setting up data the test needs). */
export const serviceCtx: RequestContext = { requestId: 'meso-setup', baseUrl: 'http://localhost:8080/fhir' };

/** The FHIR engine as the service builds it, with the real access policy (no party cache). */
export function engineFor(db: Database): ReturnType<typeof buildFhirEngine> {
  return buildFhirEngine({
    db,
    access: new AccessPolicy({ partyCacheMs: 0 }),
    config: {
      baseUrl: 'http://localhost:8080/fhir',
      defaultCount: 20,
      maxCount: 100,
      maxBundleEntries: 100,
      pseudonymKey: 'meso-import-test-pseudonym-key-0123456789',
    },
  });
}

/** A test database and the write path on it for one describe block; set in its beforeAll. */
export interface ImportDatabase {
  db: Database;
  repo: FhirRepository;
}

export function importDatabase(): ImportDatabase {
  const t = {} as ImportDatabase;
  beforeAll(async () => {
    t.db = await createTestDatabase();
    t.repo = await repositoryFor(t.db);
  }, 120_000);
  afterAll(() => t.db.close());
  return t;
}

/** The write path as the service builds it. */
export async function repositoryFor(db: Database): Promise<FhirRepository> {
  return (await engineFor(db)).executor.repository;
}

export async function versionCount(db: Database): Promise<number> {
  const res = await db.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM resource_version');
  return res.rows[0].n;
}

/** Current resources of a type with an identifier system|value. */
export async function withIdentifier(
  repo: FhirRepository,
  resourceType: string,
  system: string,
  value: string,
): Promise<Resource[]> {
  return repo.findMatches(resourceType, [['identifier', `${system}|${value}`]]);
}

export async function currentOf<T extends Resource>(
  db: Database,
  ref: string,
): Promise<T & { versions: number }> {
  const [type, id] = ref.split('/');
  const res = await db.pool.query<{ content: T; deleted: boolean }>(
    'SELECT content, deleted FROM resource WHERE resource_type = $1 AND id = $2',
    [type, id],
  );
  const versions = await db.pool.query<{ n: number }>(
    'SELECT count(*)::int AS n FROM resource_version WHERE resource_type = $1 AND id = $2',
    [type, id],
  );
  if (!res.rows[0] || res.rows[0].deleted) throw new Error(`${ref} is not stored (or deleted)`);
  return { ...res.rows[0].content, versions: versions.rows[0].n };
}
