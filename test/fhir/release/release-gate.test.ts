import type { Bundle, Patient } from '@medplum/fhirtypes';
import { FhirError, notFound } from '../../../src/kernel/outcome';
import type { FhirRequest } from '../../../src/fhir/interactions/fhir-request';
import { PseudonymCodec } from '../../../src/fhir/release/pseudonym-codec';
import { ReleaseGate } from '../../../src/fhir/release/release-gate';

const KEY = 'gate-test-key-0123456789abcdef0123456789';
const gate = new ReleaseGate(KEY);
const codec = new PseudonymCodec(KEY);
const PSEUDO = codec.pseudonymId('Patient', 'real-1');
const read = (id: string): FhirRequest => ({
  method: 'GET',
  kind: 'read',
  resourceType: 'Patient',
  id,
  query: [],
  lenient: false,
});

describe('ReleaseGate.around: the door, the interaction, the filter', () => {
  it('runs the interaction with the real id and answers with the pseudonym', async () => {
    const seen: string[] = [];
    const response = await gate.around(read(PSEUDO), async (req) => {
      seen.push(req.id as string);
      return {
        status: 200,
        body: { resourceType: 'Patient', id: req.id, name: [{ family: 'Bakker' }] } as Patient,
        location: `https://x.nl/fhir/Patient/${req.id}/_history/1`,
      };
    });
    expect(seen).toEqual(['real-1']);
    expect(response.body).toEqual({ resourceType: 'Patient', id: PSEUDO, meta: expect.any(Object) });
    expect(response.location).toBe(`https://x.nl/fhir/Patient/${PSEUDO}/_history/1`);
  });

  it('releases the errors of the interaction, and never runs it for a refused request', async () => {
    await expect(
      gate.around(read(PSEUDO), async (req) => {
        throw notFound(`Patient/${req.id} is deleted`);
      }),
    ).rejects.toEqual(expect.objectContaining({ status: 404, message: `Patient/${PSEUDO} is deleted` }));
    const run = jest.fn();
    const err = (await gate.around(read('real-1'), run).catch((e: unknown) => e)) as FhirError;
    expect(err.status).toBe(404);
    expect(run).not.toHaveBeenCalled();
  });

  it('releases a single resource for paths outside the executor (Bulk export)', () => {
    const bundle = gate.releaseResource({
      resourceType: 'Bundle',
      type: 'collection',
      entry: [{ resource: { resourceType: 'Patient', id: 'real-1' } }],
    } as Bundle);
    expect(bundle.entry?.[0].resource?.id).toBe(PSEUDO);
  });
});
