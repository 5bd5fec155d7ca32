import Client from 'fhir-kit-client';
import type { Bundle, BundleEntry, OperationOutcome, Patient, Resource } from '@medplum/fhirtypes';

import { DEMO_PSEUDONYM_KEY } from '../../src/config';
import type { OrganizationKind } from '../../src/kernel/caller';
import { PseudonymCodec } from '../../src/fhir/release/pseudonym-codec';

/** Shared helpers for the end-to-end tests (not a test file itself). */

const demoCodec = new PseudonymCodec(DEMO_PSEUDONYM_KEY);

/** The id a role knows a resource by: the non-identifiable platform gets pseudonymous person ids (issue 8 §8). */
export function asSeenBy(role: string, resourceType: string, id: string): string {
  const person = resourceType === 'Patient' || resourceType === 'RelatedPerson';
  return role === 'platform' && person ? demoCodec.pseudonymId(resourceType, id) : id;
}

export const BSN = 'http://fhir.nl/fhir/NamingSystem/bsn';
export const URA = 'http://fhir.nl/fhir/NamingSystem/ura';
export const DEMO_ID = 'https://meso-zorg.nl/fhir/NamingSystem/demo-id';
export const CLIENT_ID = 'https://meso-zorg.nl/fhir/NamingSystem/client-id';
export const REJECTION_REASON = 'https://meso-zorg.nl/fhir/CodeSystem/referral-rejection-reason';
export const REFERRAL_KIND = 'https://meso-zorg.nl/fhir/CodeSystem/referral-kind';
export const TRAJECTORY_TYPE = 'https://meso-zorg.nl/fhir/CodeSystem/trajectory-type';
export const PROFILE = {
  Patient: 'http://nictiz.nl/fhir/StructureDefinition/nl-core-Patient',
  Task: 'https://meso-zorg.nl/fhir/StructureDefinition/meso-referral-task',
  ServiceRequest: 'https://meso-zorg.nl/fhir/StructureDefinition/meso-referral-servicerequest',
  EpisodeOfCare: 'https://meso-zorg.nl/fhir/StructureDefinition/meso-zorgtraject',
  CarePlan: 'https://meso-zorg.nl/fhir/StructureDefinition/meso-careplan',
};

/** The demo clients' organisations (examples/clients/*.json). */
export const ORG_URA = {
  gp: '90000011',
  'meso-team': '90000022',
  vvt: '90000033',
  behandelnetwerk: '90000044',
  ctv: '90000055',
} as const;
export const CLIENT_IDS = {
  admin: 'demo-admin',
  gp: 'demo-gp-de-brink',
  vvt: 'demo-vvt-drentse-erf',
  'meso-team': 'demo-meso-midden-drenthe',
  behandelnetwerk: 'demo-behandelnetwerk-drenthe',
  ctv: 'demo-ctv-drenthe',
  platform: 'demo-platform-drenthe',
} as const satisfies Record<OrganizationKind, string>;

export interface ErrorResponse {
  status: number;
  data: unknown;
}

/** Awaits a request that must fail and returns its HTTP response; a success fails the test with what came back. */
export async function refused(request: Promise<unknown>): Promise<ErrorResponse> {
  let value: unknown;
  try {
    value = await request;
  } catch (err) {
    const response = (err as { response?: ErrorResponse }).response;
    if (!response) throw err;
    return response;
  }
  throw new Error(`expected the request to fail, but it answered ${JSON.stringify(value).slice(0, 800)}`);
}

/** A GET relative to the FHIR base (query string included) as a Bundle. */
export async function getBundle(
  client: Client,
  path: string,
  headers?: Record<string, string>,
): Promise<Bundle> {
  return (await client.request(path, { options: headers ? { headers } : {} })) as unknown as Bundle;
}

export const entries = (bundle: Bundle, mode?: 'match' | 'include' | 'outcome'): BundleEntry[] =>
  (bundle.entry ?? []).filter((e) => !mode || e.search?.mode === mode);

export const resourcesOf = <T extends Resource = Resource>(
  bundle: Bundle,
  type?: string,
  mode?: 'match' | 'include' | 'outcome',
): T[] =>
  entries(bundle, mode)
    .map((e) => e.resource as T)
    .filter((r) => !!r && (!type || r.resourceType === type));

export const idsOf = (resources: Resource[]): string[] => resources.map((r) => r.id as string).sort();

export const refOf = (resource: Resource): string => `${resource.resourceType}/${resource.id}`;

/** Every page of a search, following `next` with fhir-kit-client's nextPage. */
export async function allPages(client: Client, first: Bundle, limit = 50): Promise<Bundle[]> {
  const pages = [first];
  let page: Bundle | undefined = first;
  while (page?.link?.some((l) => l.relation === 'next')) {
    if (pages.length > limit) throw new Error(`more than ${limit} pages: the next links loop`);
    page = (await client.nextPage({ bundle: page as never })) as unknown as Bundle;
    pages.push(page);
  }
  return pages;
}

/** The single resource with this demo identifier (examples/fixtures: identifier system DEMO_ID). */
export async function byDemoId<T extends Resource>(
  client: Client,
  resourceType: string,
  value: string,
): Promise<T> {
  const bundle = (await client.search({
    resourceType,
    searchParams: { identifier: `${DEMO_ID}|${value}` },
  })) as unknown as Bundle;
  const found = resourcesOf<T>(bundle, resourceType, 'match');
  if (found.length !== 1) throw new Error(`${resourceType} ${value}: expected one, found ${found.length}`);
  return found[0];
}

/** The issues of an OperationOutcome whose expression (or location) mentions `path`. */
export function issuesAt(outcome: unknown, path: string | RegExp): NonNullable<OperationOutcome['issue']> {
  const issues = (outcome as OperationOutcome).issue ?? [];
  const hit = (e: string) => (typeof path === 'string' ? e.includes(path) : path.test(e));
  return issues.filter((i) => [...(i.expression ?? []), ...(i.location ?? [])].some(hit));
}

/** Waits long enough for the clock to move past a lastUpdated in milliseconds. */
export const tick = (ms = 20) => new Promise((resolve) => setTimeout(resolve, ms));

/** The HTTP status of a fhir-kit-client result (it keeps the response for each returned object). */
export const statusOf = (result: unknown): number =>
  Client.httpFor(result as never).response.status as number;

/** The single resource found by an identifier search (`system|value`), e.g. a Patient by BSN or an Organization by URA. */
export async function byIdentifier<T extends Resource>(
  client: Client,
  resourceType: string,
  system: string,
  value: string,
): Promise<T> {
  const bundle = (await client.search({
    resourceType,
    searchParams: { identifier: `${system}|${value}` },
  })) as unknown as Bundle;
  const found = resourcesOf<T>(bundle, resourceType, 'match');
  if (found.length !== 1)
    throw new Error(`${resourceType} ${system}|${value}: expected one, found ${found.length}`);
  return found[0];
}

/** An nl-core NameInformation (official name; every given name needs its EN-qualifier: BR = birth name). */
export function dutchName(given: string, family: string): NonNullable<Patient['name']>[number] {
  return {
    use: 'official',
    family,
    given: [given],
    _given: [
      {
        extension: [
          { url: 'http://hl7.org/fhir/StructureDefinition/iso21090-EN-qualifier', valueCode: 'BR' },
        ],
      },
    ],
    text: `${given} ${family}`,
  } as NonNullable<Patient['name']>[number];
}
