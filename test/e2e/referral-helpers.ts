import { randomUUID } from 'node:crypto';
import type Client from 'fhir-kit-client';
import type {
  Bundle,
  Organization,
  Patient,
  PractitionerRole,
  Reference,
  ServiceRequest,
  Task,
} from '@medplum/fhirtypes';

/** The Organization or PractitionerRole that sends or receives a referral. */
export type Party = Reference<Organization | PractitionerRole>;
import { newFromExample } from '../support/fixtures';
import { BSN, PROFILE, REFERRAL_KIND, dutchName } from './e2e-helpers';

/** Referrals as a sender's system posts them (one transaction Bundle), for the work list and notification tests. */

/** The sender's own referral numbers (its business identifiers on the ServiceRequest and the Task). */
const MGZ_SERVICE = 'https://meso-zorg.nl/fhir/CodeSystem/mgz-service';

export const SENDER_REFERRALS = 'https://drentse-erf.example.nl/fhir/NamingSystem/aanmelding';

export interface ReferralInput {
  bsn: string;
  /** The sender's referral number: `<number>-sr` and `<number>-task` identify its ServiceRequest and Task. */
  number: string;
  requester: Party;
  owner: Party;
  kind?: string;
  authoredOn?: string;
  family?: string;
}

export function patientWithBsn(bsn: string, family: string): Patient {
  const patient = newFromExample<Patient>('nl-core-Patient-01');
  delete patient.text;
  patient.identifier = [{ system: BSN, value: bsn }];
  patient.name = [dutchName('Gerrit', family)];
  return patient;
}

/** Patient (conditional on BSN), referral ServiceRequest and Task, as in test/e2e/vvt-posts-referral.test.ts. */
export function referralBundle(input: ReferralInput): Bundle {
  const { bsn, number, requester, owner, kind = 'aanmelding-meso-team' } = input;
  const authoredOn = input.authoredOn ?? '2026-09-01T10:15:00+02:00';
  const patientUrl = `urn:uuid:${randomUUID()}`;
  const requestUrl = `urn:uuid:${randomUUID()}`;
  const code = { coding: [{ system: REFERRAL_KIND, code: kind }] };
  const serviceRequest: ServiceRequest = {
    resourceType: 'ServiceRequest',
    meta: { profile: [PROFILE.ServiceRequest] },
    identifier: [{ system: SENDER_REFERRALS, value: `${number}-sr` }],
    status: 'active',
    intent: 'order',
    category: [{ coding: [{ system: 'http://snomed.info/sct', code: '3457005' }], text: 'Verwijzing' }],
    code,
    // An ELV-aanvraag names the MGZ services it asks for (meso-referral-sr-1).
    ...(kind === 'elv-aanvraag'
      ? { orderDetail: [{ coding: [{ system: MGZ_SERVICE, code: 'elv-hoog-complex' }] }] }
      : {}),
    subject: { reference: patientUrl, type: 'Patient' },
    authoredOn: authoredOn.slice(0, 10),
    requester,
    performer: [owner],
    note: [{ text: 'Toenemende verwardheid en twee valpartijen.' }],
  };
  const task: Task = {
    resourceType: 'Task',
    meta: { profile: [PROFILE.Task] },
    identifier: [{ system: SENDER_REFERRALS, value: `${number}-task` }],
    status: 'requested',
    intent: 'order',
    code,
    focus: { reference: requestUrl, type: 'ServiceRequest' },
    for: { reference: patientUrl, type: 'Patient' },
    authoredOn,
    requester,
    owner,
  };
  // The sender's numbers make a retried post create nothing new (issue 11: idempotent referrals).
  const post = (url: string, value?: string) => ({
    method: 'POST' as const,
    url,
    ...(value ? { ifNoneExist: `identifier=${SENDER_REFERRALS}|${value}` } : {}),
  });
  return {
    resourceType: 'Bundle',
    type: 'transaction',
    entry: [
      {
        fullUrl: patientUrl,
        resource: patientWithBsn(bsn, input.family ?? 'Verwezen'),
        request: { ...post('Patient'), ifNoneExist: `identifier=${BSN}|${bsn}` },
      },
      { fullUrl: requestUrl, resource: serviceRequest, request: post('ServiceRequest', `${number}-sr`) },
      { fullUrl: `urn:uuid:${randomUUID()}`, resource: task, request: post('Task', `${number}-task`) },
    ],
  };
}

export interface PostedReferral {
  task: Task;
  serviceRequest: ServiceRequest;
  patientId: string;
}

const idIn = (location: string | undefined, type: string) =>
  new RegExp(`${type}/([^/]+)/_history/`).exec(location ?? '')?.[1] as string;

/** Posts the referral as `client` and reads back its Task and ServiceRequest (as the admin). */
export async function postReferral(
  client: Client,
  admin: Client,
  input: ReferralInput,
): Promise<PostedReferral> {
  const response = (await client
    .transaction({ body: referralBundle(input) as never })
    .catch((err: { response?: { status: number; data: unknown } }) => {
      const res = err.response;
      throw res ? new Error(`referral ${input.number}: ${res.status} ${JSON.stringify(res.data)}`) : err;
    })) as unknown as Bundle;
  const [patient, request, task] = (response.entry ?? []).map((e) => e.response?.location);
  return {
    patientId: idIn(patient, 'Patient'),
    serviceRequest: (await admin.read({
      resourceType: 'ServiceRequest',
      id: idIn(request, 'ServiceRequest'),
    })) as unknown as ServiceRequest,
    task: (await admin.read({ resourceType: 'Task', id: idIn(task, 'Task') })) as unknown as Task,
  };
}

/** An update of a referral Task by `client`, with If-Match on the version it changes. */
export async function moveTask(client: Client, task: Task, changes: Partial<Task>): Promise<Task> {
  return (await client.update({
    resourceType: 'Task',
    id: task.id as string,
    body: { ...task, ...changes } as never,
    options: { headers: { 'If-Match': `W/"${task.meta?.versionId}"` } },
  })) as unknown as Task;
}

/** A Reference naming an organisation by reference and URA, as a sender's system fills it in. */
export const orgRef = (id: string, ura: string): Party => ({
  reference: `Organization/${id}`,
  type: 'Organization',
  identifier: { system: 'http://fhir.nl/fhir/NamingSystem/ura', value: ura },
});
