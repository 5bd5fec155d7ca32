import { randomUUID } from 'node:crypto';
import type { Resource } from '@medplum/fhirtypes';
import type { Database, Queryable } from '../../src/store/database';
import { createTestDatabase } from '../support/test-database';
import { resourceStore } from '../../src/store/resource-store';
import { writeIndexes } from '../../src/fhir/search/indexer';
import type { Caller, OrganizationKind } from '../../src/kernel/caller';
import { parseScopes } from '../../src/security/scopes';
import type { SecurityConfig } from '../../src/config';
import type { AccessRestriction } from '../../src/kernel/access-restriction';
import { listPatients } from '../../src/store/access-relations';

/** A fresh, migrated database (the shared test helper). */
export const freshDatabase = (): Promise<Database> => createTestDatabase();

/** Stores a resource as the repository would (current + a version + its indexes), bypassing validation. */
export async function put<T extends Resource>(q: Queryable, resource: T): Promise<T> {
  const id = resource.id ?? randomUUID();
  const current = await resourceStore.current(q, resource.resourceType, id);
  const versionId = (current?.versionId ?? 0) + 1;
  const stored = {
    ...resource,
    id,
    meta: { versionId: String(versionId), lastUpdated: new Date().toISOString() },
  };
  const params = [stored.resourceType, id, versionId, stored.meta.lastUpdated, JSON.stringify(stored)];
  await q.query(
    `INSERT INTO resource_version (resource_type, id, version_id, last_updated, deleted, method, content)
     VALUES ($1, $2, $3, $4, false, 'PUT', $5)`,
    params,
  );
  await q.query(
    `INSERT INTO resource (resource_type, id, version_id, last_updated, deleted, content) VALUES ($1, $2, $3, $4, false, $5)
     ON CONFLICT (resource_type, id) DO UPDATE SET version_id = EXCLUDED.version_id, content = EXCLUDED.content`,
    params,
  );
  // The policy reads the stored reference index (who is whose patient), as it does for every real write.
  await writeIndexes(q, stored as Resource);
  return stored as T;
}

export function caller(
  kind: OrganizationKind,
  org: { name?: string; ura?: string; agb?: string; reference?: string } = {},
  scopes = 'system/*.cruds',
): Caller {
  return {
    clientId: `test-${kind}`,
    clientName: `Test ${kind}`,
    organization: {
      kind,
      name: org.name ?? `Test ${kind}`,
      ura: org.ura,
      agb: org.agb,
      reference: org.reference,
    },
    scopes: parseScopes(scopes),
    pseudonymised: kind === 'platform',
  };
}

export function testConfig(overrides: Partial<SecurityConfig> = {}): SecurityConfig {
  return {
    fhirPath: '/fhir',
    tokenTtlSeconds: 300,
    keyRotationHours: 24,
    rateLimitPerMinute: 10_000,
    rateLimitIpPerMinute: 10_000,
    corsOrigins: [],
    demoClientsDir: undefined,
    nodeEnv: 'test',
    ...overrides,
  };
}

/**
 * The patients a restriction gives its caller, listed from the care relation table (the request path never lists
 * them; the restriction carries the caller's relation keys).
 */
export async function patientsOf(q: Queryable, restriction: AccessRestriction | undefined) {
  if (!restriction) return undefined;
  return restriction.relation ? listPatients(q, restriction.relation) : [];
}
