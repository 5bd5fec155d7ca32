import type { Lookup } from './lookup';
import { dateLookup } from './date';
import { numberLookup } from './number';
import { quantityLookup } from './quantity';
import { referenceLookup } from './reference';
import { stringLookup } from './string';
import { tokenLookup } from './token';
import { uriLookup } from './uri';

/** The index kind for each SearchParameter.type; composite and special have none. */
export const LOOKUPS: Readonly<Record<string, Lookup>> = {
  token: tokenLookup,
  string: stringLookup,
  reference: referenceLookup,
  date: dateLookup,
  number: numberLookup,
  quantity: quantityLookup,
  uri: uriLookup,
};

export const ALL_LOOKUPS: readonly Lookup[] = Object.values(LOOKUPS);

export function lookupFor(type: string | undefined): Lookup | undefined {
  return type ? LOOKUPS[type] : undefined;
}
