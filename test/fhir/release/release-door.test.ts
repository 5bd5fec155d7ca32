import type { FhirRequest } from '../../../src/fhir/interactions/fhir-request';
import { FhirError } from '../../../src/kernel/outcome';
import { PseudonymCodec } from '../../../src/fhir/release/pseudonym-codec';
import { admitRequest } from '../../../src/fhir/release/release-door';
import type { ReleaseContext } from '../../../src/fhir/release/release-filter';

const codec = new PseudonymCodec('unit-test-pseudonym-key-0123456789abcdef');
const ctx = (): ReleaseContext => ({ codec, restore: new Map() });
const REAL = '0b6b9c3e-4c5d-4e6f-8a9b-0c1d2e3f4a5b';
const PSEUDO = codec.pseudonymId('Patient', REAL);
const BSN = 'http://fhir.nl/fhir/NamingSystem/bsn';

const request = (over: Partial<FhirRequest>): FhirRequest => ({
  method: 'GET',
  kind: 'read',
  query: [],
  lenient: false,
  ...over,
});
const search = (resourceType: string, ...query: Array<[string, string]>) =>
  request({ kind: 'search-type', resourceType, query });

function refusal(fn: () => unknown): FhirError {
  try {
    fn();
  } catch (err) {
    if (err instanceof FhirError) return err;
    throw err;
  }
  throw new Error('expected a refusal');
}

describe('the door: path ids', () => {
  it('turns a pseudonymous Patient id into the real one and remembers it for the response', () => {
    const c = ctx();
    for (const kind of ['read', 'vread', 'history-instance'] as const) {
      expect(admitRequest(request({ kind, resourceType: 'Patient', id: PSEUDO, versionId: '1' }), c).id).toBe(
        REAL,
      );
    }
    expect(c.restore.get(REAL)).toBe(PSEUDO);
  });

  it('answers 404 for a real id, a forged pseudonym, or a pseudonym of another type', () => {
    for (const id of [REAL, `${PSEUDO.slice(0, -3)}AAA`, codec.pseudonymId('RelatedPerson', REAL)]) {
      const err = refusal(() => admitRequest(request({ resourceType: 'Patient', id }), ctx()));
      expect(err.status).toBe(404);
      expect(err.message).not.toContain(REAL.slice(0, 8));
    }
  });

  it('leaves professional and clinical ids alone', () => {
    expect(admitRequest(request({ resourceType: 'Practitioner', id: 'pr1' }), ctx()).id).toBe('pr1');
    expect(admitRequest(request({ resourceType: 'EpisodeOfCare', id: 'e1' }), ctx()).id).toBe('e1');
  });
});

describe('the door: writes and operations', () => {
  it.each(['create', 'update', 'delete', 'conditional-update', 'conditional-delete'] as const)(
    'refuses %s with 403',
    (kind) => {
      expect(
        refusal(() => admitRequest(request({ kind, method: 'POST', resourceType: 'Patient' }), ctx())).status,
      ).toBe(403);
    },
  );

  it('refuses a Bundle with a writing entry, and lets reading entries through (admitted one by one later)', () => {
    const bundle = (method: string) => ({
      resourceType: 'Bundle' as const,
      type: 'batch' as const,
      entry: [
        { request: { method: 'GET' as const, url: `Patient/${PSEUDO}` } },
        { request: { method: method as 'POST', url: 'Patient' } },
      ],
    });
    expect(
      refusal(() =>
        admitRequest(request({ kind: 'batch-or-transaction', method: 'POST', body: bundle('POST') }), ctx()),
      ).status,
    ).toBe(403);
    expect(
      admitRequest(request({ kind: 'batch-or-transaction', method: 'POST', body: bundle('GET') }), ctx())
        .kind,
    ).toBe('batch-or-transaction');
  });

  it('refuses operations ($validate echoes resources and references in its messages)', () => {
    for (const id of [PSEUDO, undefined])
      expect(
        refusal(() =>
          admitRequest(
            request({ kind: 'operation', operation: 'validate', resourceType: 'Patient', id }),
            ctx(),
          ),
        ).status,
      ).toBe(403);
  });
});

describe('the door: search values', () => {
  const admitted = (req: FhirRequest, c = ctx()) => admitRequest(req, c).query;

  it('resolves pseudonyms in reference parameters, bare, relative and absolute', () => {
    expect(admitted(search('EpisodeOfCare', ['patient', PSEUDO]))).toEqual([['patient', `Patient/${REAL}`]]);
    expect(admitted(search('EpisodeOfCare', ['patient', `Patient/${PSEUDO}`]))).toEqual([
      ['patient', `Patient/${REAL}`],
    ]);
    expect(admitted(search('EpisodeOfCare', ['patient', `https://x.nl/fhir/Patient/${PSEUDO}`]))).toEqual([
      ['patient', `Patient/${REAL}`],
    ]);
    expect(admitted(search('Task', ['subject:Patient', PSEUDO]))).toEqual([['subject:Patient', REAL]]);
    expect(admitted(search('Patient', ['_id', `${PSEUDO},${PSEUDO}`]))).toEqual([['_id', `${REAL},${REAL}`]]);
    expect(admitted(search('EpisodeOfCare', ['patient._id', PSEUDO]))).toEqual([['patient._id', REAL]]);
    // With a modifier too: Patient?_id:not=<real id> must not tell whether that real id exists.
    expect(admitted(search('Patient', ['_id:not', PSEUDO]))).toEqual([['_id:not', REAL]]);
    expect(admitted(search('Patient', ['_id:not', REAL]))[0][1]).toMatch(/^unknown-pseudonym-/);
  });

  it('makes real ids and forged pseudonyms match nothing, and remembers what was sent', () => {
    const c = ctx();
    const [[, value]] = admitted(search('EpisodeOfCare', ['patient', REAL]), c);
    expect(value).not.toContain(REAL);
    expect(value.length).toBeGreaterThan(64); // longer than any id: matches no stored reference
    expect(c.restore.get(value)).toBe(REAL);
    const [[, relative]] = admitted(search('EpisodeOfCare', ['patient', `Patient/${REAL}`]));
    expect(relative).toMatch(/^Patient\/unknown-pseudonym-/);
    const [[, id]] = admitted(search('Patient', ['_id', REAL]));
    expect(id).toMatch(/^unknown-pseudonym-/);
  });

  it('keeps references to professionals, and asks for Type/id where a bare id could also be a person', () => {
    expect(admitted(search('EpisodeOfCare', ['care-manager', 'PractitionerRole/r1']))).toEqual([
      ['care-manager', 'PractitionerRole/r1'],
    ]);
    expect(admitted(search('CareTeam', ['participant', 'Practitioner/p1']))).toEqual([
      ['participant', 'Practitioner/p1'],
    ]);
    expect(refusal(() => admitted(search('CareTeam', ['participant', 'p1']))).status).toBe(400);
    expect(admitted(search('CareTeam', ['participant:missing', 'true']))).toEqual([
      ['participant:missing', 'true'],
    ]);
  });

  it('refuses BSN and person-identifier searches with a message that points to the pseudonym', () => {
    for (const query of [
      search('Patient', ['identifier', `${BSN}|999911120`]),
      search('Patient', ['identifier', '999911120']),
      search('EpisodeOfCare', ['patient.identifier', 'x|1']),
      search('EpisodeOfCare', ['patient:identifier', 'x|1']),
      search('Task', ['subject:Patient.identifier', 'x|1']),
      search('Task', ['code', `${BSN}|1`]),
    ]) {
      const err = refusal(() => admitted(query));
      expect(err.status).toBe(403);
      expect(err.message).toMatch(/pseudonym/);
    }
  });

  it('refuses searches and sorts on person data that is not released', () => {
    for (const [type, key, value] of [
      ['Patient', 'name', 'Bakker'],
      ['Patient', 'family', 'Bakker'],
      ['Patient', 'address', 'Kerkstraat'],
      ['Patient', 'phone', '0612345678'],
      ['Patient', 'birthdate', '1940-05-14'],
      ['Patient', 'birthdate', 'ge1940-05'],
      ['Patient', 'address-postalcode', '9411 KE'],
      ['EpisodeOfCare', 'patient.name', 'Bakker'],
      ['Patient', '_sort', 'family'],
      ['Patient', '_sort', '-birthdate'],
    ]) {
      expect({ key, status: refusal(() => admitted(search(type, [key, value]))).status }).toEqual({
        key,
        status: 403,
      });
    }
    expect(
      admitted(
        search('Patient', ['birthdate', 'ge1940'], ['address-postalcode', '9411'], ['gender', 'female']),
      ),
    ).toHaveLength(3);
    expect(admitted(search('Organization', ['name', 'MESO']))).toEqual([['name', 'MESO']]);
  });

  it('opens a sealed cursor and refuses one that is not', () => {
    const sealed = codec.sealText('raw-cursor');
    expect(admitted(search('Patient', ['_cursor', sealed]))).toEqual([['_cursor', 'raw-cursor']]);
    expect(refusal(() => admitted(search('Patient', ['_cursor', 'raw-cursor']))).status).toBe(400);
    expect(
      admitted(
        request({
          kind: 'history-type',
          resourceType: 'Patient',
          query: [['_cursor', codec.sealText('42')]],
        }),
      ),
    ).toEqual([['_cursor', '42']]);
  });
});
