import fs from 'node:fs';
import Client from 'fhir-kit-client';
import type { Bundle, EpisodeOfCare, Patient, ServiceRequest, Task } from '@medplum/fhirtypes';
import { projectPath } from '../../src/project-root';
import { startTestServer, type TestServer } from '../support/test-server';
import { BSN, REJECTION_REASON, getBundle, resourcesOf } from './e2e-helpers';
import { moveTask as put } from './referral-helpers';

/**
 * The effects of a referral decision on the real server (issue 11): the MESO team's acceptance opens the
 * patient's zorgtraject with the aanmelding as its referralRequest; a rejection revokes the VVT's request.
 */
let server: TestServer;
let vvt: Client;
let meso: Client;
let serial = 0;

beforeAll(async () => {
  server = await startTestServer({ LOAD_DEMO_DATA: 'true' });
  [vvt, meso] = await Promise.all([server.client('vvt'), server.client('meso-team')]);
});
afterAll(() => server.close());

interface Posted {
  patient: string;
  request: string;
  task: Task;
}

/** examples/http's aanmelding, as the VVT's ECD posts it, for a patient with `bsn` and fresh referral numbers. */
async function postReferral(bsn: string): Promise<Posted> {
  const bundle = JSON.parse(
    fs.readFileSync(projectPath('examples', 'http', 'vvt-referral-bundle.json'), 'utf8'),
  ) as Bundle;
  const n = ++serial;
  for (const entry of bundle.entry ?? []) {
    const resource = entry.resource as Patient | ServiceRequest | Task;
    const request = entry.request as NonNullable<typeof entry.request>;
    if (resource.resourceType === 'Patient') {
      resource.identifier = [{ system: BSN, value: bsn }];
      request.ifNoneExist = `identifier=${BSN}|${bsn}`;
    } else {
      resource.identifier = resource.identifier?.map((i) => ({ ...i, value: `${i.value}-effects-${n}` }));
      request.ifNoneExist = `identifier=${resource.identifier?.[0].system}|${resource.identifier?.[0].value}`;
    }
  }
  const response = (await vvt.transaction({ body: bundle as never })) as unknown as Bundle;
  // Locations are absolute (base/Type/id/_history/n): the Type/id is what references name.
  const location = (type: string) =>
    (response.entry ?? [])
      .map((e) => new RegExp(`(?:^|/)(${type}/[^/]+)/_history/`).exec(e.response?.location ?? '')?.[1])
      .find(Boolean) as string;
  const [, taskId] = location('Task').split('/');
  const task = (await meso.read({ resourceType: 'Task', id: taskId })) as unknown as Task;
  return { patient: location('Patient'), request: location('ServiceRequest'), task };
}

describe('effects of the MESO team’s decision on a VVT aanmelding', () => {
  it('accepting opens a zorgtraject the MESO team finds by patient, with the aanmelding as referralRequest', async () => {
    const posted = await postReferral('999911211');
    const received = await put(meso, posted.task, { status: 'received' });
    await put(meso, received, { status: 'accepted' });
    const bundle = await getBundle(meso, `EpisodeOfCare?patient=${posted.patient}`);
    const episodes = resourcesOf<EpisodeOfCare>(bundle, 'EpisodeOfCare', 'match');
    expect(episodes).toHaveLength(1);
    expect(episodes[0].status).toBe('active');
    expect(episodes[0].referralRequest?.map((r) => r.reference)).toEqual([posted.request]);
    expect(episodes[0].managingOrganization?.identifier?.value ?? '').toBe('90000022');
  });

  it('rejecting revokes the request, as the VVT reads it back', async () => {
    const posted = await postReferral('999911223');
    const received = await put(meso, posted.task, { status: 'received' });
    await put(meso, received, {
      status: 'rejected',
      statusReason: { coding: [{ system: REJECTION_REASON, code: 'buiten-indicatiecriteria' }] },
    });
    const [, id] = posted.request.split('/');
    const request = (await vvt.read({ resourceType: 'ServiceRequest', id })) as unknown as ServiceRequest;
    expect(request.status).toBe('revoked');
  });
});
