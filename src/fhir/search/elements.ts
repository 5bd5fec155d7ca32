import { tryGetDataType } from '@medplum/core';
import type { Coding, Resource } from '@medplum/fhirtypes';
import { ensureFhirSchema } from './fhir-schema';
import type { Summary } from './search-request';

// R4 search.html#summary and #elements: a subsetted resource says so in meta.tag.
export const SUBSETTED: Coding = {
  system: 'http://terminology.hl7.org/CodeSystem/v3-ObservationValue',
  code: 'SUBSETTED',
  display: 'Resource encoded in summary mode',
};

const ALWAYS_KEPT = ['resourceType', 'id', 'meta'];

/** The top-level element names (without [x]) of a type: mandatory ones (min ≥ 1), or the summary ones. */
function elementNames(resourceType: string, which: 'mandatory' | 'summary'): string[] {
  ensureFhirSchema();
  const schema = tryGetDataType(resourceType);
  if (!schema) return [];
  const mandatory = Object.entries(schema.elements)
    .filter(([, e]) => e.min > 0)
    .map(([name]) => name.replace('[x]', ''));
  return which === 'mandatory' ? mandatory : [...mandatory, ...(schema.summaryProperties ?? [])];
}

/** A JSON key belongs to element `name`: itself, its _primitive extension, or a choice type valueQuantity. */
function keyOf(key: string, names: ReadonlySet<string>): boolean {
  const bare = key.startsWith('_') ? key.slice(1) : key;
  return names.has(bare) || [...names].some((n) => bare.startsWith(n) && /^[A-Z]/.test(bare.slice(n.length)));
}

function keep(resource: Resource, names: readonly string[]): Resource {
  const set = new Set([...ALWAYS_KEPT, ...names]);
  const out = Object.fromEntries(Object.entries(resource).filter(([key]) => keyOf(key, set))) as Resource;
  const tags = (out.meta?.tag ?? []).filter((t) => t.code !== SUBSETTED.code);
  out.meta = { ...out.meta, tag: [...tags, SUBSETTED] };
  return out;
}

/** Applies _elements (which wins) or _summary to a matched resource; returns it unchanged when neither applies. */
export function subset(
  resource: Resource,
  summary: Summary | undefined,
  elements: readonly string[] | undefined,
): Resource {
  const type = resource.resourceType;
  if (elements?.length) return keep(resource, [...elementNames(type, 'mandatory'), ...elements]);
  switch (summary) {
    case 'true':
      return keep(resource, elementNames(type, 'summary'));
    case 'text':
      return keep(resource, [...elementNames(type, 'mandatory'), 'text']);
    case 'data': {
      const { text: _text, ...rest } = resource as Resource & { text?: unknown };
      return keep(rest as Resource, Object.keys(rest));
    }
    default:
      return resource;
  }
}
