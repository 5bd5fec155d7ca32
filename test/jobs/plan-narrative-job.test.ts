import type Client from 'fhir-kit-client';
import type { Bundle, CarePlan, Goal, PractitionerRole } from '@medplum/fhirtypes';
import { startTestServer, type TestServer } from '../support/test-server';
import { byDemoId } from '../e2e/e2e-helpers';

/**
 * The refresh job on the outbox: a change to a resource the zorgbehandelplan summarises rewrites the plan's
 * narrative (a new version), and only when the summary differs. The service runs in this process with its jobs.
 */
let server: TestServer;
let meso: Client;

beforeAll(async () => {
  server = await startTestServer({ LOAD_DEMO_DATA: 'true' });
  meso = await server.client('meso-team');
});
afterAll(() => server.close());

const readPlan = (id: string) => meso.read({ resourceType: 'CarePlan', id }) as Promise<CarePlan>;

async function until<T>(probe: () => Promise<T>, done: (value: T) => boolean, ms = 15_000): Promise<T> {
  const end = Date.now() + ms;
  let value = await probe();
  while (!done(value) && Date.now() < end) {
    await new Promise((r) => setTimeout(r, 100));
    value = await probe();
  }
  return value;
}

describe('the zorgbehandelplan narrative follows the resources it summarises', () => {
  it('a Goal with a new description updates the plan narrative once the job ran, as a new version', async () => {
    const plan = await byDemoId<CarePlan>(meso, 'CarePlan', 'client-1-zorgbehandelplan');
    // The demo transaction wrote the sub-plan and the advance directive after the plan: the plan's summary was
    // derived again at the end of that transaction, so it is complete in version 1 and the job has nothing to do.
    await new Promise((r) => setTimeout(r, 2000));
    const before = await readPlan(plan.id as string);
    expect(before.meta?.versionId).toBe('1');
    expect(before.text?.div).toContain('Mevrouw blijft veilig thuis wonen en valt niet meer');
    expect(before.text?.div).toContain('Dochter doet de boodschappen en zet de medicatie klaar');
    expect(before.text?.div).toContain('Niet reanimeren verklaring');

    const goal = await byDemoId<Goal>(meso, 'Goal', 'client-1-goal-1');
    const description = 'Mevrouw woont veilig thuis & loopt met <rollator> naar de supermarkt';
    await meso.update({
      resourceType: 'Goal',
      id: goal.id as string,
      body: { ...goal, description: { text: description } } as never,
    });

    const after = await until(
      () => readPlan(plan.id as string),
      (p) => p.meta?.versionId !== before.meta?.versionId,
    );
    expect(Number(after.meta?.versionId)).toBe(Number(before.meta?.versionId) + 1);
    expect(after.text?.status).toBe('generated');
    expect(after.text?.div).toContain(
      'Mevrouw woont veilig thuis &amp; loopt met &lt;rollator&gt; naar de supermarkt',
    );
    expect(after.text?.div).not.toContain('valt niet meer');
    // Nothing else of the plan changed.
    const { meta: _m1, text: _t1, ...restAfter } = after;
    const { meta: _m2, text: _t2, ...restBefore } = before;
    expect(restAfter).toEqual(restBefore);

    // The refresh is in the plan's history, and no further write follows (equal summary: no loop).
    await new Promise((r) => setTimeout(r, 2000));
    const history = (await meso.history({
      resourceType: 'CarePlan',
      id: plan.id as string,
    })) as unknown as Bundle;
    expect(history.entry?.[0]?.resource?.meta?.versionId).toBe(after.meta?.versionId);
  });

  it('a change that does not alter the summary writes nothing', async () => {
    const plan = await byDemoId<CarePlan>(meso, 'CarePlan', 'client-1-zorgbehandelplan');
    const goal = await byDemoId<Goal>(meso, 'Goal', 'client-1-goal-2');
    // A note is not part of the summary.
    await meso.update({
      resourceType: 'Goal',
      id: goal.id as string,
      body: { ...goal, note: [{ text: 'Besproken in het MDO.' }] } as never,
    });
    await new Promise((r) => setTimeout(r, 3000));
    expect((await readPlan(plan.id as string)).meta?.versionId).toBe(plan.meta?.versionId);
  });

  it("a professional's new phone number reaches the plans of the teams their role is in", async () => {
    const plan = await byDemoId<CarePlan>(meso, 'CarePlan', 'client-1-zorgbehandelplan');
    const admin = await server.client('admin');
    const role = await byDemoId<PractitionerRole>(admin, 'PractitionerRole', 'wijkverpleegkundige-role');
    await admin.update({
      resourceType: 'PractitionerRole',
      id: role.id as string,
      body: { ...role, telecom: [{ system: 'phone', value: '+31593999999', use: 'work' }] },
    });
    const after = await until(
      () => readPlan(plan.id as string),
      (p) => p.text?.div?.includes('+31593999999') ?? false,
    );
    expect(after.text?.div).toContain(
      'Femke Dijkstra (Verpleegkundige, Zorggroep Het Drentse Erf), tel. +31593999999',
    );
  });
});
