import type { ServiceRequest, Task } from '@medplum/fhirtypes';
import { requestStatusFor } from '../../domain/referral';
import { localTarget } from '../../kernel/reference';
import type { RequestContext } from '../../kernel/request-context';
import { resourceStore } from '../../store/resource-store';
import type { FhirRepository, FollowUp, FollowUpChange, VersionKey } from '../repository';
import { isReferralTask } from '../validation/business-rules';
import { acceptedReferral } from './zorgtraject-effects';

/**
 * The effects of a client's referral Task transition (issue 11), in the Task's transaction: its ServiceRequest's
 * status follows the Task's, and an accepted referral opens or extends the patient's zorgtraject
 * (zorgtraject-effects.ts). The effect writes are the service's own (validated, audited, rolled back with the
 * Task); the Task's Provenance targets them too. The MESO document import sends no client request, so it has
 * none: it adopts the zorgtraject these effects opened, and keeps what they added (src/fhir/meso/import-adopt.ts).
 */
export const referralEffects: FollowUp = {
  applies: ({ resource, previous }) =>
    resource.resourceType === 'Task' &&
    previous?.resourceType === 'Task' &&
    isReferralTask(resource as Task) &&
    (resource as Task).status !== (previous as Task).status,
  run: async (repo, change) => {
    const task = change.resource as Task;
    const ctx = serviceContext(change);
    const request = await followRequest(repo, ctx, task);
    const episode =
      task.status === 'accepted' ? await acceptedReferral(repo, ctx, task, change.version.lastUpdated) : [];
    return [...request, ...episode];
  },
};

/** The service acts: no caller (so no caller's access policy), the request's id for the audit trail. */
function serviceContext({ ctx }: FollowUpChange): RequestContext {
  const { requestId, baseUrl, deadline, logger } = ctx;
  return { requestId, baseUrl, deadline, logger };
}

/** The ServiceRequest the Task is about, with the status that follows the Task's (domain/referral.ts). */
async function followRequest(repo: FhirRepository, ctx: RequestContext, task: Task): Promise<VersionKey[]> {
  const status = requestStatusFor(task.status);
  const target = localTarget(task.focus?.reference);
  if (!status || target?.resourceType !== 'ServiceRequest') return [];
  const stored = await resourceStore.current(repo.queryable, 'ServiceRequest', target.id, true);
  const request = stored?.resource as ServiceRequest | undefined;
  if (!request || stored?.deleted || request.status === status) return [];
  const result = await repo.update(ctx, 'ServiceRequest', target.id, { ...request, status });
  const { resourceType, id, versionId } = result.version;
  return [{ resourceType, id, versionId }];
}
