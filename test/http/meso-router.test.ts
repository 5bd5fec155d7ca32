import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import type { OperationOutcome } from '@medplum/fhirtypes';
import { mesoRouter } from '../../src/http/meso-router';
import type { Caller } from '../../src/kernel/caller';
import type { Database } from '../../src/store/database';
import { createTestDatabase } from '../support/test-database';
import { engineFor, MESO_TEAM } from '../fhir/meso/support/import-support';
import { example, MINI_MAPPING } from '../fhir/meso/support/mini-mapping';

/**
 * The MESO document API's answers (status, Location, Content-Location, the Dutch/English summary) on the
 * test-only mapping, so they are checked before every section is mapped; test/e2e/meso-careplans.test.ts runs
 * the real server with the real mapping.
 */
let db: Database;
let server: http.Server;
let origin: string;
let caller: Caller = MESO_TEAM;

beforeAll(async () => {
  db = await createTestDatabase();
  const engine = await engineFor(db);
  const app = express();
  app.use((_req, res, next) => {
    res.locals.requestId = 'meso-router-test';
    res.locals.caller = caller;
    next();
  });
  const options = { executor: engine.executor, maxBodyBytes: 1024 * 1024, maxJsonDepth: 64 };
  app.use('/meso/v1', mesoRouter({ ...options, mapping: MINI_MAPPING }));
  server = http.createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}, 120_000);

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  await db.close();
});

const post = (body: unknown) =>
  fetch(`${origin}/meso/v1/careplans`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });

it('201 with Location, Content-Location and a summary; 200 "ongewijzigd" the second time; GET the document', async () => {
  const doc = example('eenvoudig');
  const first = await post(doc);
  expect(first.status).toBe(201);
  expect(first.headers.get('location')).toBe('/meso/v1/careplans/zbp-2026-0101');
  const carePlan = first.headers.get('content-location') as string;
  expect(carePlan).toMatch(/^\/fhir\/CarePlan\/[0-9a-f-]{36}$/);
  const created = (await first.json()) as OperationOutcome;
  expect(created.issue[0].diagnostics).toMatch(
    /^Document zbp-2026-0101 versie 1 aangemaakt \(created\); aangemaakt \d+, bijgewerkt 0, beëindigd 0, ongewijzigd 0 \(created \d+, updated 0, ended 0, unchanged 0\); CarePlan\//,
  );
  expect(created.issue[0].diagnostics).toContain(carePlan.replace('/fhir/', ''));

  const again = await post(doc);
  expect(again.status).toBe(200);
  expect(again.headers.get('content-location')).toBe(carePlan);
  expect(((await again.json()) as OperationOutcome).issue[0].diagnostics).toMatch(
    /was al verwerkt: niets gewijzigd .*aangemaakt 0, bijgewerkt 0, beëindigd 0, ongewijzigd \d+/,
  );

  const changed = structuredClone(doc);
  changed.document.version = 2;
  changed.goals!.now![0].description = 'Tot de zomer zelfstandig thuis blijven wonen.';
  const update = await post(changed);
  expect(update.status).toBe(200);
  expect(((await update.json()) as OperationOutcome).issue[0].diagnostics).toMatch(
    /versie 2 verwerkt \(updated\); aangemaakt 0, bijgewerkt 1, beëindigd 0/,
  );

  const back = await fetch(`${origin}/meso/v1/careplans/zbp-2026-0101`);
  expect(back.status).toBe(200);
  expect(back.headers.get('content-location')).toBe(carePlan);
  expect(((await back.json()) as { goals: { now: Array<{ description: string }> } }).goals.now[0]).toEqual({
    description: 'Tot de zomer zelfstandig thuis blijven wonen.',
  });
});

it('409 for the same version with other content, and for an older version', async () => {
  const doc = example('elv-episode');
  expect((await post(doc)).status).toBe(201);
  const other = structuredClone(doc);
  other.evaluation.nextEvaluationDate = '2099-12-31';
  const conflict = await post(other);
  expect(conflict.status).toBe(409);
  expect(JSON.stringify(await conflict.json())).toMatch(/Raise document.version/);
  const older = structuredClone(doc);
  older.document.version = doc.document.version - 1;
  expect((await post(older)).status).toBe(409);
});

it('403 for a GP caller', async () => {
  caller = {
    ...MESO_TEAM,
    clientId: 'demo-gp-de-brink',
    organization: { kind: 'gp', name: 'De Brink', ura: '90000011' },
  };
  try {
    const res = await post(example('eenvoudig'));
    expect(res.status).toBe(403);
  } finally {
    caller = MESO_TEAM;
  }
});
