/** Splits a FHIRPath union `a | b | (c as X)` into its top-level parts (bars inside parentheses or quotes stay). */
export function splitUnion(expression: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quote = '';
  let start = 0;
  for (let i = 0; i < expression.length; i++) {
    const c = expression[i];
    if (quote) {
      if (c === '\\') i++;
      else if (c === quote) quote = '';
    } else if (c === "'" || c === '`') quote = c;
    else if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (c === '|' && depth === 0) {
      parts.push(expression.slice(start, i).trim());
      start = i + 1;
    }
  }
  parts.push(expression.slice(start).trim());
  return parts.filter(Boolean);
}

/**
 * The part of a multi-type R4 expression that applies to `resourceType`, e.g. `CarePlan.subject.where(resolve()
 * is Patient)` out of the `patient` parameter's list. `Resource.` parts (the _tag, _profile … parameters) are
 * rewritten to the type, because the FHIRPath engine does not treat a Patient as a `Resource` step.
 */
export function expressionFor(expression: string, resourceType: string): string | undefined {
  const mine = splitUnion(expression)
    .map((part) => part.replace(/^(\(*)(Resource|DomainResource)\./, `$1${resourceType}.`))
    .filter((part) => new RegExp(`^\\(*${resourceType}[.)\\s]`).test(part) || part === resourceType);
  return mine.length ? mine.join(' | ') : undefined;
}

// nl-core-NameInformation splits a family name into own and partner parts; each is searchable by itself, so
// that family=Giessen finds "van Putten-van der Giessen" (the R4 expression only yields the whole name).
const NAME_PARTS =
  "extension.where(url = 'http://hl7.org/fhir/StructureDefinition/humanname-own-name' or " +
  "url = 'http://hl7.org/fhir/StructureDefinition/humanname-partner-name').value";

/** Adds the Dutch family-name parts to an expression that yields `….name.family`. */
export function withFamilyNameParts(expression: string): string {
  const extra = splitUnion(expression)
    .filter((part) => /\.name\.family$/.test(part))
    .map((part) => `${part}.${NAME_PARTS}`);
  return extra.length ? `${expression} | ${extra.join(' | ')}` : expression;
}
