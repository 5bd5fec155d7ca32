/**
 * The referral scenarios of issue 11 (bench/run-referral.ts) and their references, on a service with the demo
 * data: (a) the VVT's referral transaction, (b) the MESO team accepting a received referral by JSON Patch, and
 * (c) the MESO team's inbox search. The Tasks (a) creates are the pool that (c) finds and (b) accepts.
 */
import type autocannon from 'autocannon';
import type { Bundle, Goal, Task } from '@medplum/fhirtypes';
import { measure, measureRequests, type LoadShape, type Measurement } from './measure';

/** examples/clients: the MESO team (URA 90000022), the VVT's referral's owner. */
export const MESO_TEAM_URA = '90000022';

const FHIR_JSON = 'application/fhir+json';
const PATCH_JSON = 'application/json-patch+json';

/** A Task (or Goal) as the bench tracks it: id and the version to name in If-Match. */
export interface Versioned {
  id: string;
  version: string;
}

/** The Task id and version in a referral transaction's answer (location `<base>/Task/<id>/_history/<v>`), if 200. */
export function taskOfAnswer(status: number, body: string): Versioned | undefined {
  if (status !== 200) return undefined;
  const m = /\/Task\/([^/"]+)\/_history\/([^/"]+)"/.exec(body);
  return m ? { id: m[1], version: m[2] } : undefined;
}

async function send(
  url: string,
  method: string,
  headers: Record<string, string>,
  body?: string,
): Promise<{ status: number; text: string }> {
  const response = await fetch(url, {
    method,
    headers: { accept: FHIR_JSON, ...headers },
    ...(body === undefined ? {} : { body }),
  });
  return { status: response.status, text: await response.text() };
}

async function expectJson<T>(url: string, method: string, headers: Record<string, string>, body?: string) {
  const { status, text } = await send(url, method, headers, body);
  if (status < 200 || status > 299) throw new Error(`${method} ${url}: ${status} ${text.slice(0, 500)}`);
  return JSON.parse(text) as T;
}

/** Runs `work` over `items` with `parallel` at a time (set-up, not measured). */
export async function eachParallel<T>(items: T[], parallel: number, work: (item: T) => Promise<void>) {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await work(items[next++]);
  };
  await Promise.all(Array.from({ length: parallel }, worker));
}

/** The logical id of the Organization with this URA, as the MESO team finds itself. */
export async function organizationId(base: string, headers: Record<string, string>, ura: string) {
  const url = `${base}/Organization?identifier=http://fhir.nl/fhir/NamingSystem/ura|${ura}`;
  const found = await expectJson<Bundle>(url, 'GET', headers);
  const id = found.entry?.[0]?.resource?.id;
  if (!id) throw new Error(`no Organization with URA ${ura}`);
  return id;
}

/** Marks each requested Task received (JSON Patch, If-Match), as the owner's team; returns the new versions. */
export async function receiveAll(
  base: string,
  headers: Record<string, string>,
  tasks: Versioned[],
  parallel: number,
): Promise<Versioned[]> {
  const received: Versioned[] = [];
  const patch = JSON.stringify([
    { op: 'test', path: '/status', value: 'requested' },
    { op: 'replace', path: '/status', value: 'received' },
  ]);
  await eachParallel(tasks, parallel, async ({ id, version }) => {
    const task = await expectJson<Task>(
      `${base}/Task/${id}`,
      'PATCH',
      { ...headers, 'content-type': PATCH_JSON, 'if-match': `W/"${version}"` },
      patch,
    );
    received.push({ id, version: task.meta?.versionId as string });
  });
  return received;
}

/**
 * `PATCH /fhir/<type>/<id>` with If-Match, per request the next item of `next()`; `answered` hears each
 * answer with the item it was for.
 */
function measurePatches(
  url: string,
  type: string,
  next: () => Versioned,
  patch: () => string,
  headers: Record<string, string>,
  shape: LoadShape,
  answered: (status: number, body: string, item: Versioned) => void,
): Promise<Measurement> {
  const request: autocannon.Request = {
    method: 'PATCH',
    setupRequest: (req, context) => {
      const item = next();
      context.item = item;
      return {
        ...req,
        path: `/fhir/${type}/${item.id}`,
        headers: { ...req.headers, 'if-match': `W/"${item.version}"` },
        body: patch(),
      };
    },
    onResponse: (status, body, context) => answered(status, body, context.item as Versioned),
  };
  return measureRequests(url, [request], { ...headers, 'content-type': PATCH_JSON }, shape);
}

/** Two operations, about 120 bytes, alike for the Task and the Goal. */
const decision = (n: number) =>
  JSON.stringify([
    { op: 'replace', path: '/status', value: 'accepted' },
    { op: 'add', path: '/businessStatus', value: { text: `Intake gepland, ronde ${n}` } },
  ]);
const goalNote = (n: number) =>
  JSON.stringify([
    { op: 'replace', path: '/lifecycleStatus', value: 'active' },
    { op: 'add', path: '/note', value: [{ text: `Intake gepland, ronde ${n}` }] },
  ]);

/**
 * (b) received → accepted, each Task of `pool` once, in order (taken from the front). A pool that runs dry
 * repeats its last Task, which answers 412 (counted as non-2xx).
 */
export function measureAcceptances(
  url: string,
  pool: Versioned[],
  headers: Record<string, string>,
  shape: LoadShape,
): Promise<Measurement> {
  let n = 0;
  let last: Versioned | undefined;
  const next = () => (last = pool.shift() ?? last) as Versioned;
  return measurePatches(
    url,
    'Task',
    next,
    () => decision(n++),
    headers,
    shape,
    () => undefined,
  );
}

/**
 * (b)'s reference: the same-size JSON Patch (If-Match) on the team's Goals in turn, a note and the status, by
 * the same client; each Goal's version follows from its answers. A run that stops drops the answers in flight,
 * so after the warm-up every Goal is read again (outside the measurement), and a 412 has its Goal read again.
 */
export async function measureGoalPatches(
  url: string,
  goals: Versioned[],
  headers: Record<string, string>,
  shape: LoadShape,
): Promise<Measurement> {
  let n = 0;
  const next = () => goals[n % goals.length];
  const reread = async (goal: Versioned) => {
    const current = await expectJson<Goal>(`${url}/fhir/Goal/${goal.id}`, 'GET', headers);
    goal.version = current.meta?.versionId as string;
  };
  const answered = (status: number, body: string, goal: Versioned) => {
    const version = /"versionId":"([^"]+)"/.exec(body)?.[1];
    if (status === 200 && version) goal.version = version;
    else if (status === 412) void reread(goal).catch(() => undefined);
  };
  const run = (duration: number) =>
    measurePatches(
      url,
      'Goal',
      next,
      () => goalNote(n++),
      headers,
      { ...shape, duration, warmup: 0 },
      answered,
    );
  if (shape.warmup > 0) await run(shape.warmup);
  await Promise.all(goals.map(reread));
  return run(shape.duration);
}

/**
 * Goals for (b)'s reference: copies of a demo Goal of the MESO team's patient (demo-id `client-1-goal-1`),
 * created as the admin, then read by the team (so that it may write them).
 */
export async function referenceGoals(
  base: string,
  admin: Record<string, string>,
  count: number,
): Promise<Versioned[]> {
  const url = `${base}/Goal?identifier=https://meso-zorg.nl/fhir/NamingSystem/demo-id|client-1-goal-1`;
  const demo = (await expectJson<Bundle<Goal>>(url, 'GET', admin)).entry?.[0]?.resource;
  if (!demo) throw new Error('the demo Goal client-1-goal-1 is missing (LOAD_DEMO_DATA)');
  const goals: Versioned[] = [];
  const run = Date.now().toString(36);
  for (let i = 0; i < count; i++) {
    const copy: Goal = { ...demo, identifier: [{ ...demo.identifier?.[0], value: `bench-${run}-${i}` }] };
    delete copy.id;
    delete copy.meta?.versionId;
    delete copy.meta?.lastUpdated;
    const body = JSON.stringify(copy);
    const goal = await expectJson<Goal>(
      `${base}/Goal`,
      'POST',
      { ...admin, 'content-type': FHIR_JSON },
      body,
    );
    goals.push({ id: goal.id as string, version: goal.meta?.versionId as string });
  }
  return goals;
}

/** (c) The inbox: the team's open Tasks, newest first, with their ServiceRequests and Patients. */
export const inboxPath = (organization: string) =>
  `/fhir/Task?owner=Organization/${organization}&status=requested,received&_sort=-authored-on` +
  '&_include=Task:focus&_include=Task:patient';

/** (c) and its references: the inbox search (as `headers`' caller), or the reads by id of `tasks`. */
export function measureInbox(
  url: string,
  organization: string,
  headers: Record<string, string>,
  shape: LoadShape,
): Promise<Measurement> {
  return measure(url, [inboxPath(organization)], headers, shape);
}

export function measureTaskReads(
  url: string,
  tasks: Versioned[],
  headers: Record<string, string>,
  shape: LoadShape,
): Promise<Measurement> {
  return measure(
    url,
    tasks.map(({ id }) => `/fhir/Task/${id}`),
    headers,
    shape,
  );
}
