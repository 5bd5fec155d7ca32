import fs from 'node:fs';
import type { Bundle, Resource, ServiceRequest, Task } from '@medplum/fhirtypes';
import { projectPath } from '../../../src/project-root';
import type { Executor } from '../../../src/fhir/interactions/execute';
import { referralIntegrityRules } from '../../../src/fhir/referral/referral-integrity';
import type { Database } from '../../../src/store/database';
import { FhirError } from '../../../src/kernel/outcome';
import { createTestDatabase } from '../../support/test-database';
import { count, ctx, engineFor, referralBundle, transactionRequest } from '../repository/repository-support';

const URA = 'http://fhir.nl/fhir/NamingSystem/ura';
const KIND = 'https://meso-zorg.nl/fhir/CodeSystem/referral-kind';

let db: Database;
let executor: Executor;
let serial = 0;

beforeAll(async () => {
  db = await createTestDatabase();
  executor = (await engineFor(db, { beforeStore: [referralIntegrityRules()] })).executor;
  for (const name of ['meso-demo-org-meso', 'meso-demo-org-vvt']) {
    const org = JSON.parse(
      fs.readFileSync(projectPath('examples', 'fixtures', `Organization-${name}.json`), 'utf8'),
    );
    await executor.repository.create(ctx, org as Resource, { assignedId: name });
  }
}, 60_000);
afterAll(() => db.close());

/** The VVT's referral of examples/http with fresh business identifiers; `task` changes its Task. */
function bundle(task: (t: Task) => void = () => undefined): Bundle {
  const b = referralBundle();
  const n = ++serial;
  for (const entry of b.entry ?? []) {
    const r = entry.resource as Task;
    if (r.resourceType === 'Task') task(r);
    if ((r as Resource).resourceType !== 'Patient' && r.identifier)
      r.identifier = r.identifier.map((i) => ({ ...i, value: `${i.value}-${n}` }));
    if (entry.request?.ifNoneExist && entry.request.url !== 'Patient') delete entry.request.ifNoneExist;
  }
  return b;
}

const post = (b: Bundle) => executor.execute(ctx, transactionRequest(b));

/** The 422's issues, or a failure when the write was not refused with 422. */
async function refusal(p: Promise<unknown>): Promise<Array<{ expression?: string[]; diagnostics?: string }>> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof FhirError) || err.status !== 422) throw new Error(`expected 422, got ${String(err)}`);
  return err.issues;
}

const locationOf = (response: { body?: unknown }, type: string) =>
  ((response.body as Bundle).entry ?? [])
    .map((e) => e.response?.location ?? '')
    .map((l) => new RegExp(`${type}/([^/]+)`).exec(l)?.[1])
    .find(Boolean) as string;

describe('referral integrity on create (real database)', () => {
  it('stores a referral whose Task comes before its ServiceRequest in the Bundle', async () => {
    const b = bundle();
    b.entry = [...(b.entry ?? [])].reverse();
    const response = await post(b);
    const task = (await executor.repository.read(ctx, 'Task', locationOf(response, 'Task'))).resource as Task;
    expect(task.focus?.reference).toBe(`ServiceRequest/${locationOf(response, 'ServiceRequest')}`);
  });

  it('refuses a focus that is not a referral ServiceRequest (422 at Task.focus), storing nothing', async () => {
    const first = await post(bundle());
    const patient = locationOf(first, 'Patient');
    // Another kind of request: every ServiceRequest without a profile gets the referral profile by default.
    const plain: ServiceRequest = {
      resourceType: 'ServiceRequest',
      meta: { profile: ['http://hl7.org/fhir/StructureDefinition/ServiceRequest'] },
      status: 'active',
      intent: 'order',
      code: { text: 'Fysiotherapie' },
      subject: { reference: `Patient/${patient}` },
    };
    const { version } = await executor.repository.create(ctx, plain);
    const tasks = await count(db, 'Task');
    const b = bundle();
    b.entry = b.entry?.filter((e) => e.resource?.resourceType === 'Task');
    const task = b.entry?.[0].resource as Task;
    task.focus = { reference: `ServiceRequest/${version.id}` };
    task.for = { reference: `Patient/${patient}` };
    const issues = await refusal(post(b));
    expect(issues).toEqual([
      expect.objectContaining({
        expression: ['Bundle.entry[0].resource.focus'],
        diagnostics: expect.stringMatching(/is not a referral/),
      }),
    ]);
    task.focus = { reference: 'ServiceRequest/does-not-exist' };
    expect((await refusal(post(b)))[0].diagnostics).toMatch(/does not exist on this server/);
    expect(await count(db, 'Task')).toBe(tasks);
  });

  it("leaves a ServiceRequest of the Bundle that was refused to its own entry's error", async () => {
    const b = bundle();
    delete (b.entry?.[1].resource as ServiceRequest).requester;
    const issues = await refusal(post(b));
    expect(issues.some((i) => i.expression?.some((e) => e.startsWith('Bundle.entry[1]')))).toBe(true);
    expect(issues.filter((i) => i.expression?.some((e) => e.startsWith('Bundle.entry[2]')))).toEqual([]);
  });

  it('refuses a Task of another kind or patient than its ServiceRequest (Task.code, Task.for)', async () => {
    const issues = await refusal(
      post(
        bundle((t) => {
          t.code = { coding: [{ system: KIND, code: 'elv-aanvraag' }] };
          t.for = { reference: 'Patient/meso-demo-org-vvt' };
        }),
      ),
    );
    const at = (path: string) => issues.find((i) => i.expression?.[0]?.endsWith(path));
    expect(at('.code')?.diagnostics).toMatch(/must be the referral kind .*aanmelding-meso-team/);
    expect(at('.for')?.diagnostics).toMatch(/must be the subject of its ServiceRequest/);
  });

  it('refuses an owner that is not a known organisation (by identifier or by reference)', async () => {
    const byUra = await refusal(
      post(bundle((t) => (t.owner = { identifier: { system: URA, value: '90000099' } }))),
    );
    expect(byUra).toEqual([
      expect.objectContaining({
        expression: [expect.stringMatching(/resource\.owner\.identifier$/)],
        diagnostics: expect.stringMatching(/90000099 names no organisation in this server's directory/),
      }),
    ]);
    const known = await post(bundle((t) => (t.owner = { identifier: { system: URA, value: '90000022' } })));
    expect(locationOf(known, 'Task')).toBeDefined();
    const byRef = await refusal(
      post(bundle((t) => (t.owner = { reference: 'Organization/unknown', identifier: t.owner?.identifier }))),
    );
    expect(byRef[0].diagnostics).toMatch(/names no organisation in this server's directory/);
  });

  it('checks a delegated owner on update too', async () => {
    const response = await post(bundle());
    const task = (await executor.repository.read(ctx, 'Task', locationOf(response, 'Task'))).resource as Task;
    const delegated = { ...task, owner: { identifier: { system: URA, value: '90000098' } } };
    const issues = await refusal(executor.repository.update(ctx, 'Task', task.id as string, delegated));
    expect(issues[0].expression).toEqual(['Task.owner.identifier']);
    const status = { ...task, status: 'received' as const };
    await expect(executor.repository.update(ctx, 'Task', task.id as string, status)).resolves.toBeDefined();
  });
});
