import type { MesoCarePlanDocument } from './document';
import { type DocumentError, fromAjvErrors } from './errors';
import { documentRuleErrors } from './rules';
import { mesoCarePlanValidator } from './schema';

export type MesoDocumentValidation =
  { valid: true; document: MesoCarePlanDocument } | { valid: false; errors: DocumentError[] };

/**
 * Validates a posted MESO care-plan document: first the JSON Schema, then the rules it cannot express (11-proef,
 * references by id). The rules assume the shapes the schema guarantees, so they run only on a schema-valid document.
 */
export function validateMesoDocument(input: unknown): MesoDocumentValidation {
  const validate = mesoCarePlanValidator();
  if (!validate(input)) return { valid: false, errors: fromAjvErrors(validate.errors ?? []) };
  const errors = documentRuleErrors(input);
  return errors.length ? { valid: false, errors } : { valid: true, document: input };
}
