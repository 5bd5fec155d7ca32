import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type Client from 'fhir-kit-client';
import type { Organization, Subscription, Task } from '@medplum/fhirtypes';
import { startTestServer, type TestServer } from '../support/test-server';
import { ORG_URA, REJECTION_REASON, URA, byIdentifier, tick } from './e2e-helpers';
import { moveTask, orgRef, postReferral, type Party, type PostedReferral } from './referral-helpers';

/**
 * Referral notifications (issue 11) through the real service: the VVT subscribes to the Tasks it sent
 * (`Task?requester=…`), the MESO team to the Tasks addressed to it (`Task?owner=…`), each with an R4 rest-hook
 * Subscription to a real HTTP receiver; every status change reaches the requester once, the new referral reaches
 * the owner, and a third organisation's receiver gets nothing of it.
 */
let server: TestServer;
let vvt: Client;
let meso: Client;
let gp: Client;
let admin: Client;
let receiver: http.Server;
let base: string;
let fromVvt: Party;
let toMeso: Party;
/** What each receiver path got: the Task versions, in arrival order. */
const received = new Map<string, Task[]>();
/** Requests to /flaky answered 500 (and not recorded) before it answers 200 again. */
let flakyFailures = 0;

beforeAll(async () => {
  receiver = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.url === '/flaky' && flakyFailures > 0) {
        flakyFailures--;
        res.writeHead(500).end();
        return;
      }
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Task;
      const list = received.get(req.url as string) ?? [];
      received.set(req.url as string, [...list, body]);
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
  server = await startTestServer({ LOAD_DEMO_DATA: 'true', SUBSCRIPTION_RETRY_DELAY_SECONDS: '1' });
  [vvt, meso, gp, admin] = await Promise.all(
    (['vvt', 'meso-team', 'gp', 'admin'] as const).map((role) => server.client(role)),
  );
  const vvtOrg = await byIdentifier<Organization>(admin, 'Organization', URA, ORG_URA.vvt);
  const mesoOrg = await byIdentifier<Organization>(admin, 'Organization', URA, ORG_URA['meso-team']);
  fromVvt = orgRef(vvtOrg.id as string, ORG_URA.vvt);
  toMeso = orgRef(mesoOrg.id as string, ORG_URA['meso-team']);
  await subscribe(vvt, `Task?requester=Organization/${vvtOrg.id}`, '/vvt');
  await subscribe(meso, `Task?owner=Organization/${mesoOrg.id}`, '/meso');
  // A third party asking for the same Tasks: the notification engine only sends what its client may read.
  await subscribe(gp, `Task?owner=Organization/${mesoOrg.id}`, '/gp');
  await subscribe(gp, `Task?requester=Organization/${vvtOrg.id}`, '/gp');
}, 120_000);

afterAll(async () => {
  await server?.close();
  await new Promise((resolve) => receiver?.close(resolve));
});

async function subscribe(client: Client, criteria: string, path: string): Promise<void> {
  const body: Subscription = {
    resourceType: 'Subscription',
    status: 'requested',
    reason: 'Verwijzingen volgen',
    criteria,
    channel: { type: 'rest-hook', endpoint: `${base}${path}`, payload: 'application/fhir+json' },
  };
  const created = (await client.create({ resourceType: 'Subscription', body })) as Subscription;
  expect(created.status).toBe('active');
}

/** The versions of Task `id` that reached `path`, by version. */
const about = (path: string, id: string) =>
  (received.get(path) ?? [])
    .filter((t) => t.resourceType === 'Task' && t.id === id)
    .sort((a, b) => Number(a.meta?.versionId) - Number(b.meta?.versionId));

async function waitFor(predicate: () => boolean, ms = 20_000): Promise<void> {
  const until = Date.now() + ms;
  while (!predicate()) {
    if (Date.now() > until) throw new Error('timed out waiting for notifications');
    await tick(100);
  }
}

const refer = (bsn: string, number: string): Promise<PostedReferral> =>
  postReferral(vvt, admin, { bsn, number, requester: fromVvt, owner: toMeso });

describe('referral notifications (rest-hook)', () => {
  it("reach the requester once per status change, and the owner's receiver gets the new referral", async () => {
    let { task } = await refer('999922208', 'N-1');
    const id = task.id as string;
    await waitFor(() => about('/meso', id).length >= 1);
    expect(about('/meso', id)[0]).toMatchObject({ status: 'requested', focus: task.focus });
    for (const status of ['received', 'accepted', 'in-progress', 'completed'] as const)
      task = await moveTask(meso, task, { status });
    const path = ['requested', 'received', 'accepted', 'in-progress', 'completed'];
    await waitFor(() => about('/vvt', id).length >= path.length);
    await tick(500);
    const seen = about('/vvt', id);
    expect(seen.map((t) => t.status)).toEqual(path);
    expect(seen.map((t) => t.meta?.versionId)).toEqual(['1', '2', '3', '4', '5']);
    // The owner follows its own changes too, each once.
    expect(about('/meso', id).map((t) => t.status)).toEqual(path);
  });

  it('reach the requester with a rejection and its reason', async () => {
    let { task } = await refer('999922221', 'N-2');
    const id = task.id as string;
    task = await moveTask(meso, task, { status: 'received' });
    const reason = { coding: [{ system: REJECTION_REASON, code: 'capaciteit-team' }], text: 'Team vol' };
    await moveTask(meso, task, { status: 'rejected', statusReason: reason });
    await waitFor(() => about('/vvt', id).length >= 3);
    await tick(500);
    const seen = about('/vvt', id);
    expect(seen.map((t) => t.status)).toEqual(['requested', 'received', 'rejected']);
    expect(seen[2].statusReason?.coding?.[0]?.code).toBe('capaciteit-team');
  });

  it('a failed delivery is retried alone: the other deliveries of its batch arrive once', async () => {
    await subscribe(vvt, `Task?requester=${fromVvt.reference}`, '/flaky');
    flakyFailures = 1;
    let { task } = await refer('999922269', 'N-3');
    const id = task.id as string;
    task = await moveTask(meso, task, { status: 'received' });
    await waitFor(() => about('/flaky', id).length >= 2 && about('/vvt', id).length >= 2);
    await tick(1500);
    expect(flakyFailures).toBe(0);
    expect(about('/flaky', id).map((t) => t.meta?.versionId)).toEqual(['1', '2']);
    expect(about('/vvt', id).map((t) => t.meta?.versionId)).toEqual(['1', '2']);
    expect(about('/meso', id).map((t) => t.meta?.versionId)).toEqual(['1', '2']);
  });

  it("nobody else's receiver gets them", async () => {
    await tick(1000);
    const ids = [...(received.get('/vvt') ?? [])].map((t) => t.id);
    expect(ids.length).toBeGreaterThan(0);
    const third = (received.get('/gp') ?? []).map((t) => t.id);
    expect(third.filter((id) => ids.includes(id))).toEqual([]);
    // Only the receivers the test set up were called.
    expect([...received.keys()].sort()).toEqual(['/flaky', '/meso', '/vvt']);
  });
});
