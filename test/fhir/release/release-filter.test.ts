import fs from 'node:fs';
import path from 'node:path';
import type {
  Bundle,
  CareTeam,
  OperationOutcome,
  Patient,
  RelatedPerson,
  Resource,
  Task,
} from '@medplum/fhirtypes';
import { FhirError, notFound } from '../../../src/kernel/outcome';
import { PseudonymCodec } from '../../../src/fhir/release/pseudonym-codec';
import {
  releaseError,
  releaseResource,
  releaseResponse,
  releaseUrl,
  type ReleaseContext,
} from '../../../src/fhir/release/release-filter';

const codec = new PseudonymCodec('unit-test-pseudonym-key-0123456789abcdef');
const ctx = (): ReleaseContext => ({ codec, restore: new Map() });
const P = (id: string) => codec.pseudonymId('Patient', id);
const BSN = 'http://fhir.nl/fhir/NamingSystem/bsn';
const BASE = 'https://fhir.example.nl/fhir';

const demo = JSON.parse(
  fs.readFileSync(path.join(__dirname, '../../../examples/demo-data.json'), 'utf8'),
) as Bundle;
const demoOf = <T extends Resource>(type: string) =>
  ({ ...(demo.entry ?? []).find((e) => e.resource?.resourceType === type)?.resource, id: 'real-1' }) as T;

describe('release of a person (whitelist)', () => {
  it('reduces the demo nl-core Patient to pseudonym, gender, year of birth, municipality and 4-digit postcode', () => {
    const patient = demoOf<Patient>('Patient');
    const bsn = patient.identifier?.find((i) => i.system === BSN)?.value as string;
    const out = releaseResource(patient, ctx());
    expect(out).toEqual({
      resourceType: 'Patient',
      id: P('real-1'),
      meta: {
        profile: patient.meta?.profile,
        security: [expect.objectContaining({ code: 'PSEUDED' })],
      },
      active: true,
      gender: patient.gender,
      deceasedBoolean: false,
      identifier: [
        {
          use: 'secondary',
          type: expect.objectContaining({ text: 'pseudonym of the BSN' }),
          system: 'https://meso-zorg.nl/fhir/NamingSystem/pseudonym-bsn',
          value: codec.identifierPseudonym(BSN, bsn),
        },
      ],
      birthDate: patient.birthDate?.slice(0, 4),
      address: [{ use: 'home', type: 'both', city: 'Beilen', country: 'Nederland', postalCode: '9411' }],
      ...(patient.generalPractitioner
        ? {
            generalPractitioner: patient.generalPractitioner.map((r) =>
              expect.objectContaining({ reference: r.reference }),
            ),
          }
        : {}),
    });
    expect(JSON.stringify(out)).not.toMatch(/Bakker|Hoekstra|Kerkstraat|9411 KE|\+31|999911120/);
  });

  it('keeps the year of death only, and pseudonymises links to other persons', () => {
    const out = releaseResource(
      {
        resourceType: 'Patient',
        id: 'a',
        deceasedDateTime: '2024-03-05T10:00:00+01:00',
        link: [{ other: { reference: 'Patient/b', display: 'Jan Jansen' }, type: 'seealso' }],
        contact: [{ name: { family: 'Jansen' } }],
        maritalStatus: { text: 'married' },
        multipleBirthInteger: 2,
        photo: [{ data: 'AAAA' }],
        text: { status: 'generated', div: '<div xmlns="http://www.w3.org/1999/xhtml">Jan</div>' },
      } as Patient,
      ctx(),
    );
    expect(out).toEqual({
      resourceType: 'Patient',
      id: P('a'),
      meta: { security: [expect.objectContaining({ code: 'PSEUDED' })] },
      deceasedDateTime: '2024',
      link: [{ other: { reference: `Patient/${P('b')}` }, type: 'seealso' }],
    });
  });

  it('reduces a RelatedPerson, whatever identifier system it carries', () => {
    const out = releaseResource(
      {
        resourceType: 'RelatedPerson',
        id: 'rp',
        patient: { reference: 'Patient/a', display: 'Jan' },
        identifier: [{ system: 'urn:local', value: 'L-1' }],
        relationship: [{ coding: [{ system: 'urn:rel', code: 'DAU' }], text: 'dochter Marie' }],
        name: [{ text: 'Marie' }],
        telecom: [{ value: '0612345678' }],
        address: [{ line: ['Dorpsweg 1'], postalCode: '1234AB', city: 'Assen' }],
      } as RelatedPerson,
      ctx(),
    );
    expect(out).toEqual({
      resourceType: 'RelatedPerson',
      id: codec.pseudonymId('RelatedPerson', 'rp'),
      meta: { security: [expect.objectContaining({ code: 'PSEUDED' })] },
      patient: { reference: `Patient/${P('a')}` },
      identifier: [
        expect.objectContaining({ system: 'https://meso-zorg.nl/fhir/NamingSystem/pseudonym-identifier' }),
      ],
      relationship: [{ coding: [{ system: 'urn:rel', code: 'DAU' }] }],
      address: [{ city: 'Assen', postalCode: '1234' }],
    });
  });

  it('leaves out postcodes that are not Dutch', () => {
    const out = releaseResource(
      { resourceType: 'Patient', address: [{ postalCode: 'SW1A 1AA', city: 'London' }] } as Patient,
      ctx(),
    );
    expect(out.address).toEqual([{ city: 'London' }]);
  });
});

describe('release of clinical and professional resources (blacklist)', () => {
  it('removes free text, narrative and person displays, and pseudonymises person references and BSNs', () => {
    const task = {
      resourceType: 'Task',
      id: 't1',
      text: { status: 'generated', div: '<div xmlns="http://www.w3.org/1999/xhtml">Mevr. Bakker</div>' },
      status: 'requested',
      intent: 'order',
      description: 'Aanmelding mevr. Bakker',
      note: [{ text: 'belt zelf', authorString: 'dochter' }],
      for: { reference: 'Patient/a', display: 'G. Bakker' },
      focus: { reference: `${BASE}/Patient/a/_history/2` },
      owner: { reference: 'Organization/o1', display: 'MESO-team' },
      requester: { reference: 'PractitionerRole/r1', type: 'PractitionerRole', display: 'Dr. Wierenga' },
      encounter: { identifier: { system: BSN, value: '999911120' }, type: 'Patient' },
      basedOn: [
        { display: 'iets zonder referentie' },
        { reference: 'CareTeam/c1', display: 'MESO-team Aaltje Smit' },
      ],
      businessStatus: {
        coding: [{ system: 'urn:s', code: 'x', display: 'In behandeling' }],
        text: 'bij Bakker',
      },
      input: [{ type: { coding: [{ code: 'c' }] }, valueString: 'Bakker' }],
      extension: [
        { url: 'urn:e', valueHumanName: { family: 'Bakker' } },
        { url: 'urn:f', valueBoolean: true },
      ],
    } as unknown as Task;
    const out = releaseResource(task, ctx()) as unknown as Record<string, unknown>;
    expect(out).toEqual({
      resourceType: 'Task',
      id: 't1',
      meta: { security: [expect.objectContaining({ code: 'PSEUDED' })] },
      status: 'requested',
      intent: 'order',
      for: { reference: `Patient/${P('a')}` },
      focus: { reference: `${BASE}/Patient/${P('a')}/_history/2` },
      owner: { reference: 'Organization/o1', display: 'MESO-team' },
      requester: { reference: 'PractitionerRole/r1', type: 'PractitionerRole', display: 'Dr. Wierenga' },
      encounter: {
        identifier: expect.objectContaining({
          system: 'https://meso-zorg.nl/fhir/NamingSystem/pseudonym-bsn',
        }),
        type: 'Patient',
      },
      basedOn: [{ reference: 'CareTeam/c1' }],
      businessStatus: { coding: [{ system: 'urn:s', code: 'x', display: 'In behandeling' }] },
      input: [{ type: { coding: [{ code: 'c' }] } }],
      extension: [{ url: 'urn:f', valueBoolean: true }],
    });
    expect(JSON.stringify(out)).not.toMatch(/Bakker|Smit|999911120|"a"/);
  });

  it('applies the person rules to a contained Patient, and removes team names', () => {
    const team = {
      resourceType: 'CareTeam',
      id: 'c1',
      name: 'MESO-team mevr. Bakker',
      contained: [{ resourceType: 'Patient', id: 'p', name: [{ family: 'Bakker' }] }],
      subject: { reference: '#p' },
      participant: [{ member: { reference: 'RelatedPerson/rp', display: 'Marie' } }],
    } as CareTeam;
    const out = releaseResource(team, ctx());
    expect(out.name).toBeUndefined();
    expect(out.contained?.[0]).toEqual(expect.objectContaining({ resourceType: 'Patient', id: P('p') }));
    expect(JSON.stringify(out)).not.toContain('Bakker');
    expect(out.participant?.[0].member).toEqual({
      reference: `RelatedPerson/${codec.pseudonymId('RelatedPerson', 'rp')}`,
    });
  });

  it('keeps professionals as they are: ids, names and their identifiers', () => {
    const practitioner = {
      resourceType: 'Practitioner',
      id: 'pr1',
      name: [{ family: 'Wierenga' }],
      identifier: [{ system: 'http://fhir.nl/fhir/NamingSystem/uzi-nr-pers', value: '123' }],
    };
    const out = releaseResource(practitioner as Resource, ctx()) as typeof practitioner;
    expect(out.id).toBe('pr1');
    expect(out.name).toEqual([{ family: 'Wierenga' }]);
    expect(out.identifier).toEqual(practitioner.identifier);
  });

  it('walks each resource once: releasing a released resource changes nothing', () => {
    const once = releaseResource(demoOf<Patient>('Patient'), ctx());
    expect(releaseResource(once, ctx())).toBe(once);
    // A copy is walked again (stored data is never trusted to be released), but ids stay the same pseudonym.
    const again = releaseResource(structuredClone(once), ctx());
    expect(again.id).toBe(once.id);
    expect(again.meta?.security).toEqual(once.meta?.security);
  });
});

describe('release of Bundles, URLs, headers and messages', () => {
  it('rewrites fullUrl, request.url, response.location, links and seals the cursor', () => {
    const c = ctx();
    c.restore.set('Patient/a', 'PSEUDO-SENT');
    const bundle: Bundle = {
      resourceType: 'Bundle',
      type: 'searchset',
      link: [
        { relation: 'self', url: `${BASE}/EpisodeOfCare?patient=Patient%2Fa&_count=1` },
        { relation: 'next', url: `${BASE}/EpisodeOfCare?patient=Patient%2Fa&_cursor=eyJ2IjpbImEiXX0` },
      ],
      entry: [
        {
          fullUrl: `${BASE}/Patient/b`,
          resource: { resourceType: 'Patient', id: 'b' },
          request: { method: 'PUT', url: 'Patient/b' },
          response: {
            status: '200',
            location: `${BASE}/Patient/b/_history/3`,
            outcome: {
              resourceType: 'OperationOutcome',
              issue: [{ severity: 'information', code: 'informational', diagnostics: 'Updated: Patient/b' }],
            },
          },
        },
      ],
    };
    const out = releaseResource(bundle, c);
    const self = new URL(out.link?.[0].url as string);
    expect(self.searchParams.get('patient')).toBe('PSEUDO-SENT');
    const next = new URL(out.link?.[1].url as string);
    expect(codec.unsealText(next.searchParams.get('_cursor') as string)).toBe('eyJ2IjpbImEiXX0');
    const entry = out.entry?.[0];
    expect(entry?.fullUrl).toBe(`${BASE}/Patient/${P('b')}`);
    expect(entry?.request?.url).toBe(`Patient/${P('b')}`);
    expect(entry?.response?.location).toBe(`${BASE}/Patient/${P('b')}/_history/3`);
    expect((entry?.response?.outcome as OperationOutcome).issue[0].diagnostics).toBe(
      `Updated: Patient/${P('b')}`,
    );
    // A second pass (a batch-response around released entries) does not pseudonymise pseudonyms again.
    const batchResponse = { ...out, entry: out.entry?.map((e) => ({ ...e })) };
    expect(releaseResource(batchResponse, c)).toEqual(out);
  });

  it('drops an empty entry list (a history page with nothing visible)', () => {
    expect(
      releaseResource({ resourceType: 'Bundle', type: 'history', entry: [] } as Bundle, ctx()).entry,
    ).toBeUndefined();
  });

  it('rewrites the Location header of a response and the patient ids and BSNs in error messages', () => {
    const response = releaseResponse({ status: 201, location: `${BASE}/Patient/a/_history/1` }, ctx());
    expect(response.location).toBe(`${BASE}/Patient/${P('a')}/_history/1`);
    const c = ctx();
    c.restore.set('real-id', 'sent-pseudonym');
    const err = releaseError(
      new FhirError(410, [
        ...notFound('Patient/a is deleted').issues,
        { severity: 'error', code: 'invalid', diagnostics: 'real-id has BSN 999911120' },
      ]),
      c,
    ) as FhirError;
    expect(err.status).toBe(410);
    expect(err.issues.map((i) => i.diagnostics)).toEqual([
      `Patient/${P('a')} is deleted`,
      'sent-pseudonym has BSN [number removed]',
    ]);
    const other = new Error('boom');
    expect(releaseError(other, c)).toBe(other);
  });

  it('rewrites person references embedded in any string, and in a message that ends after the id', () => {
    const sub = releaseResource(
      { resourceType: 'Subscription', criteria: 'Task?patient=Patient/a', status: 'active' } as Resource,
      ctx(),
    );
    expect((sub as unknown as { criteria: string }).criteria).toBe(`Task?patient=Patient/${P('a')}`);
    const err = releaseError(notFound('Not found: Patient/a.'), ctx()) as FhirError;
    expect(err.issues[0].diagnostics).toBe(`Not found: Patient/${P('a')}.`);
  });

  it('leaves other servers and professionals in URLs alone, but never a person id', () => {
    expect(releaseUrl(`${BASE}/Practitioner/x?organization=Organization/o`, ctx())).toBe(
      `${BASE}/Practitioner/x?organization=Organization%2Fo`,
    );
    expect(releaseUrl('https://elsewhere.nl/fhir/Patient/a', ctx())).toBe(
      `https://elsewhere.nl/fhir/Patient/${P('a')}`,
    );
  });
});
