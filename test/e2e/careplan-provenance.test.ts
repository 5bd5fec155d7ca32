import type Client from 'fhir-kit-client';
import type { Bundle, CarePlan, Goal, Provenance } from '@medplum/fhirtypes';
import { startTestServer, expectOutcome, type TestServer } from '../support/test-server';
import { DEMO_ID, ORG_URA, URA, byDemoId, resourcesOf } from './e2e-helpers';

/**
 * Every direct write of a zorgbehandelplan leaves a Provenance in the same transaction: who (the caller's
 * organisation and client), what (v3-DataOperation) and, from the X-Provenance header, why.
 */
let server: TestServer;
let meso: Client;
let admin: Client;

beforeAll(async () => {
  server = await startTestServer({ LOAD_DEMO_DATA: 'true' });
  [meso, admin] = await Promise.all([server.client('meso-team'), server.client('admin')]);
});
afterAll(() => server.close());

const DATA_OPERATION = 'http://terminology.hl7.org/CodeSystem/v3-DataOperation';

async function provenanceOf(plan: CarePlan, versionId: string): Promise<Provenance[]> {
  const bundle = (await admin.search({
    resourceType: 'Provenance',
    searchParams: { target: `CarePlan/${plan.id}`, _count: '100' },
  })) as Bundle;
  return resourcesOf<Provenance>(bundle, 'Provenance', 'match').filter((p) =>
    p.target.some((t) => t.reference === `CarePlan/${plan.id}/_history/${versionId}`),
  );
}

/** A PUT of the plan as the MESO team, with extra headers. */
async function put(plan: CarePlan, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${server.baseUrl}/CarePlan/${plan.id}`, {
    method: 'PUT',
    headers: {
      Authorization: await server.authHeader('meso-team'),
      'Content-Type': 'application/fhir+json',
      ...headers,
    },
    body: JSON.stringify(plan),
  });
}

describe('Provenance of zorgbehandelplan writes', () => {
  it('an update records who (organisation and client), what and, from X-Provenance, why', async () => {
    const plan = await byDemoId<CarePlan>(meso, 'CarePlan', 'client-2-zorgbehandelplan');
    const reason = { text: 'Evaluatie in het MDO van 14 september' };
    const sent: Provenance = {
      resourceType: 'Provenance',
      target: [{ reference: 'CarePlan/ignored' }],
      recorded: '2000-01-01T00:00:00Z',
      agent: [{ who: { display: 'Ingrid van der Veen, specialist ouderengeneeskunde' } }],
      reason: [reason],
    };
    const res = await put(
      { ...plan, description: 'Na het MDO: insuline door de wijkverpleging.' },
      { 'X-Provenance': JSON.stringify(sent) },
    );
    expect(res.status).toBe(200);
    const updated = (await res.json()) as CarePlan;
    const [provenance, ...more] = await provenanceOf(plan, updated.meta?.versionId as string);
    expect(more).toHaveLength(0);
    expect(provenance.recorded).toBe(updated.meta?.lastUpdated);
    expect(provenance.activity?.coding).toEqual([
      { system: DATA_OPERATION, code: 'UPDATE', display: 'revise' },
    ]);
    expect(provenance.reason).toEqual([reason]);
    const whos = (provenance.agent ?? []).map((a) => a.who);
    expect(whos).toContainEqual(sent.agent[0].who);
    expect(whos).toContainEqual(
      expect.objectContaining({ identifier: { system: URA, value: ORG_URA['meso-team'] } }),
    );
    expect(whos.some((w) => /demo-meso-team|MESO/.test(w.display ?? ''))).toBe(true);

    // The plan's readers (the writer's organisation, the patient's GP) read who changed it, and why.
    const gp = await server.client('gp');
    for (const reader of [meso, gp]) {
      const seen = resourcesOf<Provenance>(
        (await reader.search({
          resourceType: 'Provenance',
          searchParams: { target: `CarePlan/${plan.id}` },
        })) as Bundle,
        'Provenance',
        'match',
      );
      expect(seen.map((p) => p.id)).toContain(provenance.id);
    }
  });

  it('without the header the write is still recorded, with no reason', async () => {
    const plan = await byDemoId<CarePlan>(meso, 'CarePlan', 'client-3-zorgbehandelplan');
    const res = await put({ ...plan, note: [{ text: 'Telefonisch overleg.' }] });
    const updated = (await res.json()) as CarePlan;
    const found = await provenanceOf(plan, updated.meta?.versionId as string);
    expect(found).toHaveLength(1);
    expect(found[0].reason).toBeUndefined();
  });

  it('a transaction that carries its own Provenance for the plan gets no second one', async () => {
    const plan = await byDemoId<CarePlan>(meso, 'CarePlan', 'client-1-zorgbehandelplan');
    const bundle: Bundle = {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        {
          resource: { ...plan, note: [{ text: 'Nieuwe afspraak over dagbesteding.' }] },
          request: { method: 'PUT', url: `CarePlan/${plan.id}` },
        },
        {
          fullUrl: 'urn:uuid:0b9f5c2e-7d0a-4a47-9a51-3f0c9e0a1b2c',
          resource: {
            resourceType: 'Provenance',
            target: [{ reference: `CarePlan/${plan.id}` }],
            recorded: '2026-10-12T10:00:00+02:00',
            agent: [
              {
                who: {
                  identifier: { system: URA, value: ORG_URA['meso-team'] },
                  type: 'Organization',
                  display: 'MESO Ouderenzorg Midden-Drenthe',
                },
              },
            ],
            reason: [{ text: 'Import uit het MESO-systeem' }],
          },
          request: { method: 'POST', url: 'Provenance' },
        },
      ],
    };
    const response = (await meso.transaction({ body: bundle as never })) as Bundle;
    expect(response.entry?.map((e) => e.response?.status?.slice(0, 3))).toEqual(['200', '201']);
    const all = resourcesOf<Provenance>(
      (await admin.search({
        resourceType: 'Provenance',
        searchParams: { target: `CarePlan/${plan.id}` },
      })) as Bundle,
      'Provenance',
      'match',
    );
    expect(all.map((p) => p.reason?.[0]?.text)).toEqual(['Import uit het MESO-systeem']);
  });

  it("other resources, and the service's own narrative refresh of the plan, get none from the server", async () => {
    const plan = await byDemoId<CarePlan>(meso, 'CarePlan', 'client-2-zorgbehandelplan');
    const goal = await byDemoId<Goal>(meso, 'Goal', 'client-2-goal-1');
    await meso.update({
      resourceType: 'Goal',
      id: goal.id as string,
      body: { ...goal, description: { text: 'Meneer spuit zelf insuline met hulp van zijn echtgenote' } },
    });
    const bundle = (await admin.search({
      resourceType: 'Provenance',
      searchParams: { target: `Goal/${goal.id}` },
    })) as Bundle;
    expect(resourcesOf(bundle, 'Provenance', 'match')).toHaveLength(0);
    // The goal is in the plan's summary: the refresh job writes a new plan version, as the service.
    let refreshed = plan;
    for (let i = 0; i < 150 && refreshed.meta?.versionId === plan.meta?.versionId; i++) {
      await new Promise((r) => setTimeout(r, 100));
      refreshed = (await meso.read({ resourceType: 'CarePlan', id: plan.id as string })) as CarePlan;
    }
    expect(Number(refreshed.meta?.versionId)).toBe(Number(plan.meta?.versionId) + 1);
    expect(await provenanceOf(plan, refreshed.meta?.versionId as string)).toHaveLength(0);
  });

  it('a create and a delete are recorded too (CREATE, DELETE)', async () => {
    const template = await byDemoId<CarePlan>(meso, 'CarePlan', 'client-3-zorgbehandelplan');
    const { id: _id, meta: _meta, text: _text, ...content } = template;
    const identifier = [{ system: DEMO_ID, value: 'client-3-zorgbehandelplan-concept' }];
    const created = (await meso.create({
      resourceType: 'CarePlan',
      body: { ...content, identifier, status: 'draft' },
    })) as CarePlan;
    const [onCreate] = await provenanceOf(created, '1');
    expect(onCreate.activity?.coding?.[0].code).toBe('CREATE');
    await meso.delete({ resourceType: 'CarePlan', id: created.id as string });
    const [onDelete] = await provenanceOf(created, '2');
    expect(onDelete.activity?.coding?.[0].code).toBe('DELETE');
  });

  it('an X-Provenance header that is not a Provenance is a 400 naming the header, and nothing is written', async () => {
    const plan = await byDemoId<CarePlan>(meso, 'CarePlan', 'client-2-zorgbehandelplan');
    const res = await put({ ...plan, description: 'mag niet' }, { 'X-Provenance': '{"reason": "x"}' });
    expect(res.status).toBe(400);
    const outcome = expectOutcome(await res.json(), 'invalid');
    expect(outcome.issue[0].expression).toEqual(['X-Provenance']);
    const again = (await meso.read({ resourceType: 'CarePlan', id: plan.id as string })) as CarePlan;
    expect(again.meta?.versionId).toBe(plan.meta?.versionId);
  });

  it('an invalid Provenance in the header refuses the write (422) and says it came from the header', async () => {
    const plan = await byDemoId<CarePlan>(meso, 'CarePlan', 'client-2-zorgbehandelplan');
    const sent = { resourceType: 'Provenance', reason: 'not a list of concepts' };
    const res = await put({ ...plan, description: 'mag ook niet' }, { 'X-Provenance': JSON.stringify(sent) });
    expect(res.status).toBe(422);
    const outcome = (await res.json()) as { issue: Array<{ diagnostics?: string }> };
    expect(outcome.issue.some((i) => i.diagnostics?.startsWith('X-Provenance:'))).toBe(true);
    const again = (await meso.read({ resourceType: 'CarePlan', id: plan.id as string })) as CarePlan;
    expect(again.meta?.versionId).toBe(plan.meta?.versionId);
  });
});
