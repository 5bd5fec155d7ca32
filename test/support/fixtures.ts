import fs from 'node:fs';
import path from 'node:path';
import type { Resource } from '@medplum/fhirtypes';
import { projectPath } from '../../src/project-root';

/** The official Nictiz nl-core examples (CC0), vendored in profiles/nl-core-examples as JSON and as XML. */
export const NL_CORE_EXAMPLES = projectPath('profiles', 'nl-core-examples', 'json');
export const NL_CORE_EXAMPLES_XML = projectPath('profiles', 'nl-core-examples', 'xml');

/** An official nl-core example, as published (with its id). */
export function nlCoreExample<T extends Resource = Resource>(name: string): T {
  return JSON.parse(fs.readFileSync(path.join(NL_CORE_EXAMPLES, `${name}.json`), 'utf8')) as T;
}

/** An official nl-core example without its id, ready to POST. */
export function newFromExample<T extends Resource = Resource>(name: string): T {
  const { id: _id, ...rest } = nlCoreExample<T>(name);
  return rest as T;
}
