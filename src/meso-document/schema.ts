import fs from 'node:fs';
import Ajv2020, { type ValidateFunction } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { projectPath } from '../project-root';
import type { MesoCarePlanDocument } from './document';

/** The schema file, the contract with the MESO team's system. Its `$id` carries the version. */
export const MESO_CAREPLAN_SCHEMA_FILE = 'profiles/meso-careplan.schema.json';
export const MESO_CAREPLAN_SCHEMA_VERSION = '1.0.0';

let compiled: ValidateFunction<MesoCarePlanDocument> | undefined;

export function mesoCarePlanSchema(): Record<string, unknown> {
  return JSON.parse(fs.readFileSync(projectPath(MESO_CAREPLAN_SCHEMA_FILE), 'utf8')) as Record<
    string,
    unknown
  >;
}

/**
 * The compiled validator, built once. allErrors, so a sender sees every mistake at once; verbose, so each error
 * carries the (sub)schema with its Dutch title for the message.
 */
export function mesoCarePlanValidator(): ValidateFunction<MesoCarePlanDocument> {
  if (!compiled) {
    const ajv = new Ajv2020({ allErrors: true, verbose: true, strict: true, strictRequired: false });
    addFormats(ajv, ['date', 'date-time', 'email', 'uri']);
    compiled = ajv.compile<MesoCarePlanDocument>(mesoCarePlanSchema());
  }
  return compiled;
}
