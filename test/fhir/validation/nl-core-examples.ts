import fs from 'node:fs';
import path from 'node:path';
import type { Resource } from '@medplum/fhirtypes';
import { NL_CORE_EXAMPLES } from '../../support/fixtures';
import { ResourceValidator } from '../../../src/fhir/validation/validator';

/** The Nictiz nl-core examples, vendored in profiles/nl-core-examples (CC0). */
export const EXAMPLES_DIR = NL_CORE_EXAMPLES;

export function loadExamples(): Map<string, Resource> {
  const out = new Map<string, Resource>();
  for (const file of fs
    .readdirSync(EXAMPLES_DIR)
    .filter((f) => f.endsWith('.json'))
    .sort()) {
    out.set(file, JSON.parse(fs.readFileSync(path.join(EXAMPLES_DIR, file), 'utf8')) as Resource);
  }
  return out;
}

/** `Type/id` → example, so references between examples resolve as they would on a server. */
export function referenceIndex(examples: Map<string, Resource>): (ref: string) => Resource | undefined {
  const byRef = new Map([...examples.values()].map((r) => [`${r.resourceType}/${r.id}`, r]));
  return (ref) => byRef.get(ref);
}

export function example(examples: Map<string, Resource>, file: string): Resource {
  const found = examples.get(file);
  if (!found) throw new Error(`no example ${file}`);
  return structuredClone(found);
}

let shared: Promise<ResourceValidator> | undefined;
/** One validator per test file (loading compiles the R4 schema and reads the snapshot cache). */
export const validator = () => (shared ??= ResourceValidator.load());
