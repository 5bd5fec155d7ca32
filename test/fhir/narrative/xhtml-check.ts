import type { Resource } from '@medplum/fhirtypes';
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

/** The subset of xml-js's non-compact tree the checks read. */
interface XmlNode {
  type: string;
  name?: string;
  attributes?: Record<string, string | number | undefined>;
  text?: string | number | boolean;
  elements?: XmlNode[];
}

// xml-js is a dependency of the installed `fhir` package, not of this project: resolve it from there.
// It parses with sax in strict mode, so anything that is not well-formed XML throws.
const { xml2js } = createRequire(require.resolve('fhir'))('xml-js') as {
  xml2js(xml: string, options: { compact: false }): XmlNode;
};

const FIXTURES = join(__dirname, '../../../examples/fixtures');

export const fixture = <T extends Resource>(file: string): T =>
  JSON.parse(readFileSync(join(FIXTURES, file), 'utf8')) as T;

export const fixtureFiles = (): string[] => readdirSync(FIXTURES).filter((f) => f.endsWith('.json'));

/** Elements of the HTML 4 subset FHIR txt-1 allows (no script, form, head, style, object, …). */
const TXT1_ELEMENTS = new Set(
  (
    'a abbr acronym address b big blockquote br caption cite code col colgroup dd dfn div dl dt em ' +
    'h1 h2 h3 h4 h5 h6 hr i img kbd li ol p pre q samp small span strong sub sup table tbody td tfoot ' +
    'th thead tr tt ul var'
  ).split(' '),
);

/** Attributes txt-1 allows; any `on…` event handler is outside it. */
const TXT1_ATTRIBUTES = new Set(
  'title style class id lang xml:lang dir abbr axis colspan rowspan scope headers align valign width href name src alt'.split(
    ' ',
  ),
);

function checkElement(node: XmlNode, problems: string[]): void {
  if (node.type !== 'element') return;
  if (!node.name || !TXT1_ELEMENTS.has(node.name)) problems.push(`element <${node.name}>`);
  for (const attribute of Object.keys(node.attributes ?? {})) {
    if (!TXT1_ATTRIBUTES.has(attribute)) problems.push(`attribute ${attribute} on <${node.name}>`);
  }
  for (const child of node.elements ?? []) checkElement(child, problems);
}

function textOf(node: XmlNode): string {
  return node.type === 'text' ? String(node.text) : (node.elements ?? []).map(textOf).join(' ');
}

/**
 * Parses a narrative div (throws when not well-formed XML) and checks it against txt-1 (allowed elements
 * and attributes) and txt-2 (non-whitespace content). Returns the text content, entities decoded, with a
 * space between text nodes.
 */
export function checkNarrativeDiv(div: string): string {
  const roots = (xml2js(div, { compact: false }).elements ?? []).filter((n) => n.type === 'element');
  if (roots.length !== 1 || roots[0]?.name !== 'div') throw new Error('narrative must have one <div> root');
  const root = roots[0];
  if (root.attributes?.xmlns !== 'http://www.w3.org/1999/xhtml')
    throw new Error('div lacks the XHTML namespace');
  const { xmlns: _namespace, ...otherAttributes } = root.attributes;
  const problems: string[] = [];
  checkElement({ ...root, attributes: otherAttributes }, problems);
  if (problems.length) throw new Error(`not allowed by txt-1: ${problems.join(', ')}`);
  const text = textOf(root).replace(/\s+/g, ' ').trim();
  if (!text) throw new Error('narrative is empty (txt-2)');
  return text;
}
