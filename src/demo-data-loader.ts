import fs from 'node:fs';
import { projectPath } from './project-root';
import type { Bundle } from '@medplum/fhirtypes';
import type { Executor } from './fhir/interactions/execute';
import type { RequestContext } from './kernel/request-context';
import { hasAnyResource } from './store/resource-presence';

export const DEMO_BUNDLE = projectPath('examples', 'demo-data.json');

/**
 * Loads the demo transaction Bundle when the store holds no Patient yet. The Bundle uses conditional creates,
 * so loading it again (or from a second instance at the same time) creates nothing new.
 */
export async function loadDemoData(executor: Executor, baseUrl: string, file = DEMO_BUNDLE): Promise<number> {
  if ((await hasAnyResource(executor.repository.db.pool, 'Patient')) || !fs.existsSync(file)) return 0;
  const bundle = JSON.parse(fs.readFileSync(file, 'utf8')) as Bundle;
  const ctx: RequestContext = { requestId: 'demo-data', baseUrl };
  const response = await executor.execute(ctx, {
    kind: 'batch-or-transaction',
    method: 'POST',
    query: [],
    body: bundle,
    lenient: false,
  });
  const entries = (response.body as Bundle).entry ?? [];
  return entries.filter((e) => e.response?.status?.startsWith('201')).length;
}
