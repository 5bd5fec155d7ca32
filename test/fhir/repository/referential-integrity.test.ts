import type { Bundle, OperationOutcome, RelatedPerson } from '@medplum/fhirtypes';
import type { FhirRepository } from '../../../src/fhir/repository';
import { localReferences } from '../../../src/fhir/repository/referential-integrity';
import { FhirError } from '../../../src/kernel/outcome';
import type { Database } from '../../../src/store/database';
import { knownKeys } from '../../../src/store/resource-presence';
import { newFromExample } from '../../support/fixtures';
import { createTestDatabase } from '../../support/test-database';
import { count, ctx, engineFor, patient, transactionRequest } from './repository-support';
import type { Executor } from '../../../src/fhir/interactions/execute';

const contact = (reference: string): RelatedPerson => ({
  ...newFromExample<RelatedPerson>('nl-core-ContactPerson-01'),
  text: undefined,
  patient: { reference },
});

async function refusal(write: Promise<unknown>): Promise<FhirError> {
  try {
    await write;
  } catch (err) {
    if (err instanceof FhirError) return err;
    throw err;
  }
  throw new Error('expected the write to be refused');
}

describe('localReferences (pure)', () => {
  it('lists Type/id and this base only, with the FHIRPath of each Reference', () => {
    const refs = localReferences(
      {
        resourceType: 'Goal',
        lifecycleStatus: 'active',
        description: { text: 'x' },
        subject: { reference: 'Patient/p1' },
        addresses: [
          { reference: '#c1' },
          { reference: 'http://localhost:8080/fhir/Condition/c2/_history/3' },
          { reference: 'https://other.example.org/fhir/Condition/c3' },
          { identifier: { system: 'urn:x', value: 'logical' } },
          { reference: 'urn:uuid:7c6f8c5e-0000-4000-8000-000000000001' },
        ],
      },
      ['http://localhost:8080/fhir'],
    );
    expect(refs.map((r) => [r.key, r.path])).toEqual([
      ['Patient/p1', 'Goal.subject'],
      ['Condition/c2', 'Goal.addresses[1]'],
    ]);
  });
});

describe('referential integrity on write (in process, real database)', () => {
  let db: Database;
  let repo: FhirRepository;
  let executor: Executor;
  let patientId: string;

  beforeAll(async () => {
    db = await createTestDatabase();
    ({ executor } = await engineFor(db));
    repo = executor.repository;
    patientId = (await repo.create(ctx, patient('999911120'))).version.id;
  }, 60_000);
  afterAll(() => db.close());

  it('knownKeys answers for many targets in one query, marking deleted ones', async () => {
    const gone = (await repo.create(ctx, patient('999911132', 'Weg'))).version.id;
    await repo.delete(ctx, 'Patient', gone);
    const found = await knownKeys(db.pool, [
      { resourceType: 'Patient', id: patientId },
      { resourceType: 'Patient', id: gone },
      { resourceType: 'Patient', id: 'does-not-exist' },
    ]);
    expect(found).toEqual(
      new Map([
        [`Patient/${patientId}`, false],
        [`Patient/${gone}`, true],
      ]),
    );
  });

  it('accepts a reference to an existing resource (relative and on this base)', async () => {
    await repo.create(ctx, contact(`Patient/${patientId}`));
    await repo.create(ctx, contact(`${ctx.baseUrl}/Patient/${patientId}`));
  });

  it('refuses Patient/does-not-exist with 422 at the element, and stores nothing', async () => {
    const before = await count(db, 'RelatedPerson');
    const err = await refusal(repo.create(ctx, contact('Patient/does-not-exist')));
    expect(err.status).toBe(422);
    expect(err.issues).toEqual([
      expect.objectContaining({ code: 'not-found', expression: ['RelatedPerson.patient'] }),
    ]);
    expect(err.issues[0].diagnostics).toContain('Patient/does-not-exist');
    expect(await count(db, 'RelatedPerson')).toBe(before);
  });

  it('refuses an absolute URL of this server naming a deleted resource, also on update', async () => {
    const gone = (await repo.create(ctx, patient('999911144', 'Verwijderd'))).version.id;
    const stored = (await repo.create(ctx, contact(`Patient/${patientId}`))).version;
    await repo.delete(ctx, 'Patient', gone);
    const err = await refusal(
      repo.update(ctx, 'RelatedPerson', stored.id, {
        ...contact(`${ctx.baseUrl}/Patient/${gone}`),
        id: stored.id,
      }),
    );
    expect(err.status).toBe(422);
    // A version of it still exists in the history: a versioned reference is accepted.
    await repo.create(ctx, contact(`Patient/${gone}/_history/1`));
  });

  it('does not check other servers, contained or logical references', async () => {
    await repo.create(ctx, contact('https://other.example.org/fhir/Patient/elsewhere'));
  });

  it('in a transaction counts resources the Bundle creates, whatever their order', async () => {
    const patientUrl = 'urn:uuid:5b0e7d0c-0000-4000-8000-000000000001';
    const bundle: Bundle = {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        { resource: contact(patientUrl), request: { method: 'POST', url: 'RelatedPerson' } },
        {
          fullUrl: patientUrl,
          resource: patient('999911156', 'Later'),
          request: { method: 'POST', url: 'Patient' },
        },
      ],
    };
    const response = await executor.execute(ctx, transactionRequest(bundle));
    expect(response.status).toBe(200);
  });

  it('in a transaction refuses a missing target with the entry path and stores nothing', async () => {
    const before = await count(db, 'Patient');
    const bundle: Bundle = {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        { resource: patient('999911168', 'Nooit'), request: { method: 'POST', url: 'Patient' } },
        { resource: contact('Patient/does-not-exist'), request: { method: 'POST', url: 'RelatedPerson' } },
      ],
    };
    const err = await refusal(executor.execute(ctx, transactionRequest(bundle)));
    expect(err.status).toBe(422);
    expect(err.issues[0].expression).toEqual(['Bundle.entry[1].resource.patient']);
    expect(await count(db, 'Patient')).toBe(before);
  });

  it('an unresolved urn:uuid in a transaction is a 400 naming entry and element; nothing is stored', async () => {
    const before = await count(db, 'Patient');
    const bundle: Bundle = {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        { resource: patient('999911181', 'Nooit'), request: { method: 'POST', url: 'Patient' } },
        {
          resource: contact('urn:uuid:5b0e7d0c-0000-4000-8000-00000000dead'),
          request: { method: 'POST', url: 'RelatedPerson' },
        },
      ],
    };
    const err = await refusal(executor.execute(ctx, transactionRequest(bundle)));
    expect(err.status).toBe(400);
    expect((err.toOperationOutcome() as OperationOutcome).issue[0].expression).toEqual([
      'Bundle.entry[1].resource.patient',
    ]);
    expect(await count(db, 'Patient')).toBe(before);
  });

  it('ENFORCE_REFERENTIAL_INTEGRITY=false turns the check off', async () => {
    const { executor: lenient } = await engineFor(db, { enforceReferentialIntegrity: false });
    const result = await lenient.repository.create(ctx, contact('Patient/does-not-exist'));
    expect(result.status).toBe(201);
  });
});
