import { canonical } from './canonical';

/** Task-based referral (aanmelding, escalatie, ELV-aanvraag): profiles/meso/StructureDefinition-meso-referral-task.json. */
export const REFERRAL_TASK_PROFILE = canonical('StructureDefinition', 'meso-referral-task');
export const REFERRAL_KIND_SYSTEM = canonical('CodeSystem', 'referral-kind');
export const REJECTION_REASON_SYSTEM = canonical('CodeSystem', 'referral-rejection-reason');
/** The rejection reason that needs a free-text explanation. */
export const REJECTION_REASON_OTHER = 'overig';

export interface ReferralDecision {
  /** The Task status. */
  status: string;
  /** Codes of the status reason taken from REJECTION_REASON_SYSTEM. */
  rejectionReasonCodes: readonly string[];
  /** The status reason's free text. */
  reasonText?: string;
}

/**
 * Why a referral decision breaks the domain rule, or undefined. The Drenthe pilots' pain point was
 * rejections without a clear reason, so a rejection always carries a coded reason, and `overig` a text too.
 */
export function rejectionProblem(decision: ReferralDecision): string | undefined {
  const { status, rejectionReasonCodes, reasonText } = decision;
  if (status === 'rejected' && rejectionReasonCodes.length === 0) {
    return `A rejected referral needs a statusReason coded from ${REJECTION_REASON_SYSTEM}`;
  }
  if (rejectionReasonCodes.includes(REJECTION_REASON_OTHER) && !reasonText?.trim()) {
    return `Rejection reason '${REJECTION_REASON_OTHER}' needs an explanation in statusReason.text`;
  }
  return undefined;
}
