import type { TypedValue } from '@medplum/core';
import { badRequest } from '../../kernel/outcome';
import { parseReference as parseLiteral } from '../../kernel/reference';
import {
  asObject,
  asString,
  indexKey,
  splitBars,
  uniqueRows,
  type IndexRow,
  type Lookup,
  type MatchInput,
  type SqlParams,
} from './lookup';

export interface ParsedReference {
  ref: string;
  targetType?: string;
  targetId?: string;
}

/** A literal reference as the index stores it: relative ones lose their version; contained ones are skipped. */
export function parseReference(reference: string): ParsedReference | undefined {
  const parsed = parseLiteral(reference);
  switch (parsed.kind) {
    case 'contained':
      return undefined;
    case 'relative':
      return {
        ref: `${parsed.resourceType}/${parsed.id}`,
        targetType: parsed.resourceType,
        targetId: parsed.id,
      };
    case 'other':
      // canonical references may carry |version; search matches the canonical URL itself.
      return { ref: parsed.url };
    default:
      return { ref: reference };
  }
}

function rowFor(tv: TypedValue): IndexRow | undefined {
  const v = tv.value as unknown;
  if (typeof v === 'string') {
    const parsed = parseReference(v);
    return parsed
      ? {
          ref: indexKey(parsed.ref),
          target_type: null,
          target_id: null,
          ident_system: null,
          ident_value: null,
        }
      : undefined;
  }
  const o = asObject(v);
  if (!o) return undefined;
  const parsed = asString(o.reference) ? parseReference(o.reference as string) : undefined;
  const identifier = asObject(o.identifier);
  const identValue = asString(identifier?.value);
  if (!parsed && !identValue) return undefined;
  return {
    ref: parsed ? indexKey(parsed.ref) : null,
    target_type: parsed?.targetType ?? null,
    target_id: parsed?.targetId ?? null,
    ident_system: identValue ? key(asString(identifier?.system)) : null,
    ident_value: key(identValue),
  };
}

/** ref, ident_system and ident_value are index keys (long ones hashed, see indexKey), in rows and in search. */
const key = (text: string | undefined): string | null => (text === undefined ? null : indexKey(text));

function identifierMatch(sql: SqlParams, input: MatchInput): string {
  const [system, value] = splitBars(input.value, 2);
  if (value === undefined) return `t.ident_value = ${sql.add(indexKey(system))}`;
  if (value === '') throw badRequest(`'${input.name}' needs system|value`, input.name);
  if (system === '') return `(t.ident_system IS NULL AND t.ident_value = ${sql.add(indexKey(value))})`;
  return `(t.ident_system = ${sql.add(indexKey(system))} AND t.ident_value = ${sql.add(indexKey(value))})`;
}

/** References: Type/id, a plain id (optionally typed with :Type), an absolute URL, and :identifier. */
export const referenceLookup: Lookup = {
  table: 'search_reference',
  columns: [
    { name: 'ref', type: 'text[]' },
    { name: 'target_type', type: 'text[]' },
    { name: 'target_id', type: 'text[]' },
    { name: 'ident_system', type: 'text[]' },
    { name: 'ident_value', type: 'text[]' },
  ],
  // A resource type as modifier (subject:Patient=123) is accepted too; see isTypeModifier.
  modifiers: ['identifier'],

  extract(values: TypedValue[]): IndexRow[] {
    return uniqueRows(values.map(rowFor).filter((r): r is IndexRow => !!r));
  },

  match(sql: SqlParams, input: MatchInput): string {
    if (input.modifier === 'identifier') return identifierMatch(sql, input);
    let value = input.value;
    // An absolute URL to this server is the same as the relative reference (R4 search.html#reference).
    if (input.baseUrl && value.startsWith(`${input.baseUrl}/`)) value = value.slice(input.baseUrl.length + 1);
    const type = isTypeModifier(input.modifier) ? input.modifier : undefined;
    if (type && !value.includes('/')) value = `${type}/${value}`;
    const parsed = parseReference(value);
    if (!parsed) throw badRequest(`Invalid reference '${input.value}' for '${input.name}'`, input.name);
    if (parsed.targetType) {
      if (type && parsed.targetType !== type) return 'false';
      return `(t.target_id = ${sql.add(parsed.targetId)} AND t.target_type = ${sql.add(parsed.targetType)})`;
    }
    if (!value.includes('/') && !value.includes(':')) return `t.target_id = ${sql.add(value)}`;
    return `t.ref = ${sql.add(indexKey(parsed.ref))}`;
  },

  sortKey: (descending) => ({ expr: descending ? 'max(t.ref)' : 'min(t.ref)', type: 'text' }),
};

/** subject:Patient — a modifier naming a resource type restricts the reference's target type. */
export function isTypeModifier(modifier: string | undefined): modifier is string {
  return !!modifier && /^[A-Z][A-Za-z]+$/.test(modifier);
}
