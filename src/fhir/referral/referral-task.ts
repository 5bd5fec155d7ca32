import type { Task, TaskOutput } from '@medplum/fhirtypes';
import {
  OFFERED_PLACE,
  REFERRAL_KIND_SYSTEM,
  REFERRAL_OUTPUT_SYSTEM,
  type ReferralOutput,
} from '../../domain/referral';
import { localTarget } from '../../kernel/reference';

// What the referral rules of src/domain/referral.ts read from a referral Task, as plain data.

/** The Task's referral kind (code from referral-kind), if any. */
export const referralKind = (task: Task): string | undefined =>
  task.code?.coding?.find((c) => c.system === REFERRAL_KIND_SYSTEM && c.code)?.code;

/** The Task's outputs as the acceptance rule sees them. */
export const referralOutputs = (task: Task): ReferralOutput[] => (task.output ?? []).map(outputOf);

function outputOf(output: TaskOutput): ReferralOutput {
  const ref = output.valueReference;
  return {
    offeredPlace: !!output.type?.coding?.some(
      (c) => c.system === REFERRAL_OUTPUT_SYSTEM && c.code === OFFERED_PLACE,
    ),
    location: ref?.type === 'Location' || localTarget(ref?.reference)?.resourceType === 'Location',
    text: output.valueString,
  };
}
