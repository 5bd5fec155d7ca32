import pino from 'pino';
import type { Bundle } from '@medplum/fhirtypes';
import { createBundleProcessor } from '../../../src/fhir/interactions/bundle-processor';
import type { Executor } from '../../../src/fhir/interactions/execute';
import { FhirError, issue } from '../../../src/kernel/outcome';

describe('batch entries', () => {
  it('logs an entry that fails with a server fault, with the request id, and answers it alone with 500', async () => {
    const lines: Array<Record<string, unknown>> = [];
    const logger = pino({ level: 'error' }, { write: (line: string) => lines.push(JSON.parse(line)) });
    const executor = {
      execute: async (_ctx: unknown, req: { id?: string }) => {
        if (req.id === 'boom') throw new TypeError('x.map is not a function');
        if (req.id === 'gone') throw new FhirError(404, [issue('not-found', 'no such Patient')]);
        return { status: 200 };
      },
    } as unknown as Executor;
    const ctx = {
      requestId: 'req-42',
      baseUrl: 'http://x/fhir',
      logger: logger.child({ requestId: 'req-42' }),
    };
    const batch: Bundle = {
      resourceType: 'Bundle',
      type: 'batch',
      entry: ['ok', 'boom', 'gone'].map((id) => ({ request: { method: 'GET', url: `Patient/${id}` } })),
    };
    const response = await createBundleProcessor({ maxEntries: 10 }).process(ctx, batch, executor);
    expect(response.entry?.map((e) => e.response?.status)).toEqual(['200 OK', '500', '404']);
    // Only the server fault is logged (a 404 is the client's business), with its request id and entry.
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ requestId: 'req-42', entry: 1, msg: 'batch entry failed' });
    expect((lines[0].err as { message: string }).message).toBe('x.map is not a function');
  });
});
