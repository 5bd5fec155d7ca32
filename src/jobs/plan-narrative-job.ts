import type { Logger } from 'pino';
import type { CarePlan } from '@medplum/fhirtypes';
import type { Queryable } from '../store/database';
import type { FhirRepository } from '../fhir/repository';
import { affectedPlans } from '../fhir/careplan/affected-plans';
import { withPlanSummary } from '../fhir/careplan/plan-summary';
import type { AfterCommit } from './outbox';

export interface PlanNarrativeDeps {
  db: Queryable;
  /** The write path, bound once the FHIR engine is built: a refreshed narrative is a new version. */
  repository(): FhirRepository | undefined;
  logger?: Logger;
}

/**
 * The afterCommit consumer that keeps the zorgbehandelplan's summary current when a resource it shows changes
 * (a Goal, the team, a treatment limit, …). The new text is written through the repository as a system write,
 * so history, audit and Subscriptions see it; an unchanged summary writes nothing, which also ends the chain
 * (the plan's own change finds nothing to do). If-Match guards against a concurrent write: a 412 retries the job.
 */
export function planNarrativeConsumer(deps: PlanNarrativeDeps): AfterCommit {
  return async (change) => {
    for (const plan of await affectedPlans(deps.db, change)) {
      const refreshed = (await withPlanSummary(plan, deps.db)) as CarePlan;
      if (refreshed.text?.div === plan.text?.div) continue;
      const repository = deps.repository();
      if (!repository) throw new Error('the FHIR repository is not ready');
      const ctx = { requestId: `plan-narrative:${change.requestId}`, baseUrl: '' };
      await repository.update(ctx, 'CarePlan', plan.id as string, plan, {
        ifMatch: `W/"${plan.meta?.versionId}"`,
      });
      deps.logger?.debug(
        { plan: plan.id, cause: `${change.resourceType}/${change.id}` },
        'plan narrative refreshed',
      );
    }
  };
}
