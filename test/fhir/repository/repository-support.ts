import fs from 'node:fs';
import type { Bundle, Patient, Resource } from '@medplum/fhirtypes';
import { buildFhirEngine, type FhirEngine } from '../../../src/fhir/engine';
import type { AccessGuard, Outbox, ResourceChange } from '../../../src/fhir/ports';
import type { BeforeStore } from '../../../src/fhir/repository';
import type { FhirRequest } from '../../../src/fhir/interactions/fhir-request';
import type { Database, Queryable } from '../../../src/store/database';
import type { RequestContext } from '../../../src/kernel/request-context';
import { projectPath } from '../../../src/project-root';
import { newFromExample } from '../../support/fixtures';

export const BSN = 'http://fhir.nl/fhir/NamingSystem/bsn';
export const ctx: RequestContext = { requestId: 'repository-test', baseUrl: 'http://localhost:8080/fhir' };

/** The FHIR engine as the service builds it (real validator, narrative, indexes), without HTTP or security. */
export function engineFor(
  db: Database,
  options: {
    outbox?: Outbox;
    beforeStore?: BeforeStore[];
    access?: AccessGuard;
    enforceReferentialIntegrity?: boolean;
  } = {},
): Promise<FhirEngine> {
  const { enforceReferentialIntegrity, ...deps } = options;
  return buildFhirEngine({
    db,
    config: {
      baseUrl: ctx.baseUrl,
      defaultCount: 20,
      maxCount: 100,
      maxBundleEntries: 100,
      pseudonymKey: 'repository-test-pseudonym-key-0123456789',
      ...(enforceReferentialIntegrity === undefined ? {} : { enforceReferentialIntegrity }),
    },
    ...deps,
  });
}

/** An outbox that keeps what it was given in a table of its own, in the write's transaction (like pg-boss). */
export class TableOutbox implements Outbox {
  constructor(private readonly db: Database) {}
  async init(): Promise<void> {
    await this.db.pool.query('CREATE TABLE IF NOT EXISTS test_outbox (change jsonb NOT NULL)');
  }
  async enqueue(tx: Queryable, changes: readonly ResourceChange[]): Promise<void> {
    await tx.query('INSERT INTO test_outbox SELECT unnest($1::jsonb[])', [
      changes.map((c) => JSON.stringify(c)),
    ]);
  }
  async changes(): Promise<ResourceChange[]> {
    return (await this.db.pool.query<{ change: ResourceChange }>('SELECT change FROM test_outbox')).rows.map(
      (r) => r.change,
    );
  }
}

/** A valid nl-core Patient with a test-range BSN. */
export function patient(bsn: string, family = 'Jansen'): Patient {
  const p = newFromExample<Patient>('nl-core-Patient-01');
  delete p.text;
  p.identifier = [{ system: BSN, value: bsn }];
  p.name = [{ family, given: ['Gerrit'] }];
  return p;
}

/** The VVT referral transaction of examples/http (conditional Patient + ServiceRequest + Task). */
export function referralBundle(): Bundle {
  return JSON.parse(
    fs.readFileSync(projectPath('examples', 'http', 'vvt-referral-bundle.json'), 'utf8'),
  ) as Bundle;
}

export function transactionRequest(bundle: Bundle): FhirRequest {
  return { kind: 'batch-or-transaction', method: 'POST', query: [], body: bundle, lenient: false };
}

export async function count(db: Database, resourceType: string): Promise<number> {
  const res = await db.pool.query<{ n: number }>(
    'SELECT count(*)::int AS n FROM resource WHERE resource_type = $1 AND NOT deleted',
    [resourceType],
  );
  return res.rows[0].n;
}

/** Counts the transactions the database layer opens (the repository's only way to open one). */
export function countTransactions(db: Database): { readonly opened: number; restore(): void } {
  const original = db.transaction.bind(db);
  let opened = 0;
  db.transaction = (fn) => {
    opened++;
    return original(fn);
  };
  return {
    get opened() {
      return opened;
    },
    restore: () => {
      db.transaction = original;
    },
  };
}

export type { Resource };
