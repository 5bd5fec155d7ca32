import { hasLoneSurrogate } from '../../kernel/unicode';
import { badRequest } from '../../kernel/outcome';
import { FORMAT_PARAMS, RESULT_PARAMS } from './result-params';

// Result controls shape a page; as conditional criteria they would silently widen the match.
const NOT_CRITERIA = new Set([...RESULT_PARAMS, ...FORMAT_PARAMS, '_cursor', '_contained', '_containedType']);

function decode(text: string): string | undefined {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    return undefined;
  }
}

/**
 * Conditional criteria (If-None-Exist, conditional update and delete, conditional references), parsed strictly:
 * a malformed or empty criterion must never match "everything" (R4 http.html#ccreate). An optional leading
 * `Type?` is dropped. Unknown parameters are refused by the search parser that runs them.
 */
export function parseCriteria(criteria: string, what: string, expression?: string): Array<[string, string]> {
  const refuse = (problem: string, param?: string) =>
    badRequest(`${what} criteria "${criteria}": ${problem}`, expression ?? param);
  const query = criteria.replace(/^[A-Za-z]*\?/, '');
  const pairs: Array<[string, string]> = [];
  for (const part of query.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const [rawKey, rawValue] = eq < 0 ? [part, ''] : [part.slice(0, eq), part.slice(eq + 1)];
    const key = decode(rawKey);
    const value = decode(rawValue);
    if (key === undefined || value === undefined || hasLoneSurrogate(key) || hasLoneSurrogate(value))
      throw refuse(`"${rawKey}" is not correctly percent-encoded (UTF-8)`, rawKey);
    if (key === '') throw refuse(`"${part}" has no parameter name`);
    if (value === '') throw refuse(`the parameter "${key}" has no value`, key);
    if (NOT_CRITERIA.has(key.split(':')[0])) throw refuse(`"${key}" is not a search criterion`, key);
    pairs.push([key, value]);
  }
  if (!pairs.length) throw refuse('no search parameters; give e.g. identifier=system|value');
  return pairs;
}
