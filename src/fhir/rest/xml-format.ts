/**
 * FHIR R4 XML <-> JSON for content negotiation (R4 xml.html, json.html).
 *
 * The structural mapping (arrays for repeating elements, primitives vs. complex types, choice types such as
 * value[x], contained and Bundle resources, `_x` siblings for primitive ids/extensions, decimals as JSON
 * numbers) is done by the `fhir` package (FHIR.js 4.12, lantanagroup), whose bundled type definitions are R4
 * (4.0.x, its default version; no structure definitions need loading). Around it we do by hand only what it
 * gets wrong, each marked [n] where it happens:
 *
 *  [1] Parsing. Its xml-js front end swallows the errors sax raises at end of input ("Unclosed root tag"), so a
 *      truncated upload converts without error; it also takes the first of several root elements, passes a
 *      DOCTYPE through and never checks namespaces. We drive the same sax parser ourselves (strict, only the
 *      XML predefined entities), reject DOCTYPE, and hand the library a canonical document we serialise.
 *  [2] Unknown content is silently dropped: it looks up only the elements it expects, so unknown elements or
 *      attributes, text content and a second occurrence of a 0..1 element (the last one wins) vanish. We
 *      reject them with a 400 that names the element path and line.
 *  [3] A repeating primitive without a value (only an id/extension) is left out of the value array, which
 *      shifts the values against their `_x` entries (data corruption), and `_x` arrays are not padded to the
 *      full length; and its xmlToJson then crashes on the nulls of a `_x` array (TypeError). We use xmlToObj,
 *      realign both arrays afterwards from the positions recorded while parsing and turn decimals (which
 *      xmlToObj leaves as strings) into numbers.
 *  [4] A boolean or decimal element without any attribute (`<active><extension .../></active>`, e.g. a
 *      data-absent-reason) makes the library throw a TypeError; we give it a redundant xmlns, a no-op in XML.
 *  [5] `uuid` is missing from its type switches: valueUuid reads as `{ value }` and is dropped on write. We
 *      map it to `uri` (same lexical space, same JSON string) in our private copy of the definitions.
 *  [6] Narrative: it re-serialises the div with xml-js defaults, which drops whitespace-only text nodes (also
 *      the significant space in `<b>a</b> <i>b</i>`), turns the text "&amp;" into "&", writes `<` unescaped
 *      into attribute values (malformed XML) and silently drops a div that is not a single <div> element. We
 *      serialise divs ourselves and pass the library placeholders. Whitespace is kept exactly (lossless); the
 *      official Nictiz JSON examples drop the indentation between tags, which the tests normalise.
 *  [7] Decimals. Written with String(number): 1e-7 becomes "1e-7", which its own reader then rejects. We
 *      write plain notation and also accept exponents on input (R4 decimal allows them).
 *  [8] Escaping. Ids of primitive elements are written into the attribute unescaped (`id="a&b"`, malformed)
 *      and tabs are written literally (a conforming parser turns them into spaces). We escape both.
 *  [9] Comments. R4 JSON has no comments (`fhir_comments` is an STU3 leftover the library still produces, and
 *      with a comment before the root its xmlToJson returns nothing); comments are not part of the content
 *      (xml.html), so they are dropped in both directions.
 * [10] JSON that does not fit the definitions (unknown properties, an array where a single value belongs or
 *      vice versa: a string for a repeating element is written once per character, wrong JSON types) comes
 *      out as wrong XML. resourceToXml checks the shape and throws instead (a server fault).
 *
 * Known, documented losses. Decimal precision: JSON numbers are IEEE doubles, so XML "1.50" becomes 1.5 and is
 * written back as "1.5" (the official Nictiz JSON also has 2 for XML 2.00), and digits beyond double precision
 * are lost. Not content, so not kept: comments, the XML declaration and processing instructions outside the
 * narrative, namespace declarations and foreign attributes such as xsi:schemaLocation. Of duplicate attributes
 * (malformed XML that sax tolerates) the first wins. Narrative divs from JSON are canonicalised (`<br />` ->
 * `<br/>`, `&nbsp;` -> U+00A0, CDATA -> escaped text). Line ends inside the narrative are kept as they are (sax
 * does no end-of-line normalisation, and the official JSON keeps CRLF too); in XML output CR is written as &#xD;.
 */
import { createRequire } from 'node:module';
import { NOT_A_TEXT_CHARACTER } from '../../kernel/unicode';
import type { Resource } from '@medplum/fhirtypes';
import { Fhir, ParseConformance } from 'fhir';
import { badRequest } from '../../kernel/outcome';

const FHIR_NS = 'http://hl7.org/fhir';
const XHTML_NS = 'http://www.w3.org/1999/xhtml';
/** Default element nesting limit for incoming XML (narrative markup included). */
export const DEFAULT_MAX_XML_DEPTH = 128;

type Definitions = ParseConformance['parsedStructureDefinitions'];
type ParsedProperty = NonNullable<Definitions[string]['_properties']>[number];
type JsonObject = Record<string, unknown>;
type JsonPath = Array<string | number>;

// ---------------------------------------------------------------------------------------------------------
// The library and its R4 type definitions

const definitions: Definitions = structuredClone(new ParseConformance(true).parsedStructureDefinitions);
// [5] uuid -> uri wherever a property is typed uuid (valueUuid, defaultValueUuid, ...).
for (const structure of Object.values(definitions)) {
  const patch = (properties: ParsedProperty[] | undefined): void =>
    properties?.forEach((property) => {
      if (property._type === 'uuid') property._type = 'uri';
      patch(property._properties);
    });
  patch(structure._properties);
}
const conformance = new ParseConformance(false);
conformance.parsedStructureDefinitions = definitions;
const fhir = new Fhir(conformance);

// [1] The sax parser the library itself uses (fhir -> xml-js -> sax). Resolved through that chain because it is
// not a direct dependency of this service; only the members we use are typed.
interface SaxParser {
  line: number;
  column: number;
  onerror: (error: Error) => void;
  onopentag: (tag: { name: string; attributes: Record<string, string> }) => void;
  onclosetag: () => void;
  ontext: (text: string) => void;
  oncdata: (text: string) => void;
  oncomment: (text: string) => void;
  onprocessinginstruction: (instruction: { name: string; body: string }) => void;
  ondoctype: () => void;
  write(chunk: string): SaxParser;
  close(): SaxParser;
}
const sax = createRequire(createRequire(require.resolve('fhir')).resolve('xml-js'))('sax') as {
  parser(strict: boolean, options: { strictEntities: boolean; position: boolean }): SaxParser;
};

type Shape =
  | { kind: 'primitive'; type: string }
  | { kind: 'xhtml' }
  | { kind: 'resource' }
  | { kind: 'complex'; type: string; properties: ParsedProperty[] };
type ComplexShape = Extract<Shape, { kind: 'complex' }>;

const shapes = new WeakMap<ParsedProperty, Shape>();
function shapeOf(property: ParsedProperty): Shape {
  let shape = shapes.get(property);
  if (!shape) {
    shape = resolveShape(property);
    shapes.set(property, shape);
  }
  return shape;
}

function resolveShape(property: ParsedProperty): Shape {
  const type = property._type;
  if (type === 'Resource') return { kind: 'resource' };
  if (type === 'xhtml') return { kind: 'xhtml' };
  if (type === 'Element' || type === 'BackboneElement') {
    return { kind: 'complex', type, properties: property._properties ?? [] };
  }
  if (type.startsWith('#')) {
    // A content reference, e.g. Questionnaire.item.item is "#Questionnaire.item".
    const [root, ...steps] = type.slice(1).split('.');
    let properties = definitionOf(root)?._properties;
    for (const step of steps) properties = properties?.find((p) => p._name === step)?._properties;
    if (!properties) throw new Error(`FHIR type definitions cannot resolve ${type}`);
    return { kind: 'complex', type: 'BackboneElement', properties };
  }
  const definition = definitionOf(type);
  if (!definition) throw new Error(`FHIR type definitions have no type ${type}`);
  if (definition._kind === 'primitive-type') return { kind: 'primitive', type };
  return { kind: 'complex', type, properties: definition._properties ?? [] };
}

const definitionOf = (name: string) => (Object.hasOwn(definitions, name) ? definitions[name] : undefined);

function isResourceType(name: string): boolean {
  return definitionOf(name)?._kind === 'resource' && name !== 'Resource' && name !== 'DomainResource';
}

const propertyIndex = new WeakMap<ParsedProperty[], Map<string, ParsedProperty>>();
/** The element names of a type; the `_x` entries the library adds to its definitions are no elements. */
function propertiesByName(properties: ParsedProperty[]): Map<string, ParsedProperty> {
  let index = propertyIndex.get(properties);
  if (!index) {
    index = new Map(properties.filter((p) => !p._name.startsWith('_')).map((p) => [p._name, p]));
    propertyIndex.set(properties, index);
  }
  return index;
}

const extensionShape: ComplexShape = {
  kind: 'complex',
  type: 'Extension',
  properties: definitions.Extension._properties ?? [],
};

/** In XML the id of an element (not of a resource) and the url of an extension are attributes. */
const isAttributeProperty = (name: string, inResource: boolean, type: string) =>
  (name === 'id' && !inResource) || (name === 'url' && type === 'Extension');

// ---------------------------------------------------------------------------------------------------------
// XML parsing and serialisation

interface XElement {
  kind: 'element';
  name: string;
  attributes: Record<string, string>;
  children: XNode[];
  line: number;
}
type XNode =
  | XElement
  | { kind: 'text'; text: string; cdata: boolean }
  | { kind: 'comment'; text: string }
  | { kind: 'pi'; target: string; body: string };

// XML 1.0 Char production: no C0 controls other than tab/LF/CR, no U+FFFE/U+FFFF, no unpaired surrogates.
const INVALID_XML_CHAR = NOT_A_TEXT_CHARACTER;

interface ParseOptions {
  /** Only the five XML entities (documents); or also HTML ones such as &nbsp; (narrative from JSON). */
  strictEntities: boolean;
  maxDepth: number;
  fail: (message: string) => Error;
}

/** [1] A strict parse into a small tree; every problem is reported through `fail` and aborts. */
function parseXml(xml: string, { strictEntities, maxDepth, fail }: ParseOptions): XElement {
  const parser = sax.parser(true, { strictEntities, position: true });
  const at = () => `line ${parser.line + 1}, column ${parser.column}`;
  const checkChars = (text: string) => {
    if (INVALID_XML_CHAR.test(text))
      throw fail(`Malformed XML: a character that XML does not allow (${at()})`);
  };
  const top: XNode[] = [];
  const stack: XNode[][] = [top];
  const current = () => stack[stack.length - 1];
  // Throwing from a handler aborts the parse at once; sax does not catch it.
  parser.onerror = (error) => {
    throw fail(`Malformed XML: ${error.message.split('\n')[0]} (${at()})`);
  };
  parser.ondoctype = () => {
    throw fail(`DOCTYPE declarations are not allowed (entity expansion) (${at()})`);
  };
  parser.onopentag = ({ name, attributes }) => {
    if (stack.length > maxDepth)
      throw fail(`The XML nests deeper than the allowed ${maxDepth} levels (${at()})`);
    Object.values(attributes).forEach(checkChars);
    const element: XElement = { kind: 'element', name, attributes, children: [], line: parser.line + 1 };
    current().push(element);
    stack.push(element.children);
  };
  parser.onclosetag = () => stack.pop();
  parser.ontext = (text) => {
    checkChars(text);
    current().push({ kind: 'text', text, cdata: false });
  };
  parser.oncdata = (text) => {
    checkChars(text);
    current().push({ kind: 'text', text, cdata: true });
  };
  parser.oncomment = (text) => current().push({ kind: 'comment', text });
  parser.onprocessinginstruction = ({ name, body }) => current().push({ kind: 'pi', target: name, body });
  try {
    parser.write(xml.startsWith('\uFEFF') ? xml.slice(1) : xml).close();
  } catch (err) {
    // sax decodes a character reference with String.fromCodePoint, which throws a RangeError above U+10FFFF.
    if (err instanceof RangeError)
      throw fail(`Malformed XML: a character reference beyond U+10FFFF (${at()})`);
    throw err;
  }
  const roots = top.filter((node): node is XElement => node.kind === 'element');
  if (roots.length === 0) throw fail('The XML document has no root element');
  if (roots.length > 1)
    throw fail(`The XML document has ${roots.length} root elements; exactly one is allowed`);
  return roots[0];
}

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  '\t': '&#x9;',
  '\n': '&#xA;',
  '\r': '&#xD;',
};
/** Attribute values: tab/LF/CR as character references, since attribute-value normalisation eats them. */
const escapeAttribute = (value: string) => value.replace(/[&<>"\t\n\r]/g, (c) => ESCAPES[c]);
/** Text content; in an XML document also CR, which XML end-of-line handling would turn into LF. */
const escapeText = (value: string, document: boolean) =>
  value.replace(document ? /[&<>\r]/g : /[&<>]/g, (c) => ESCAPES[c]);

/** [6] XHTML of a narrative exactly as parsed: every text node kept, CDATA as escaped text. */
function serializeXhtml(root: XElement, document: boolean): string {
  const parts: string[] = [];
  const write = (node: XNode): void => {
    switch (node.kind) {
      case 'text':
        parts.push(escapeText(node.text, document));
        break;
      case 'comment':
        parts.push(`<!--${node.text}-->`);
        break;
      case 'pi':
        parts.push(`<?${node.target}${node.body ? ` ${node.body}` : ''}?>`);
        break;
      case 'element':
        parts.push(`<${node.name}`);
        for (const [name, value] of Object.entries(node.attributes)) {
          parts.push(` ${name}="${escapeAttribute(value)}"`);
        }
        if (node.children.length === 0) {
          parts.push('/>');
        } else {
          parts.push('>');
          node.children.forEach(write);
          parts.push(`</${node.name}>`);
        }
        break;
    }
  };
  write(root);
  return parts.join('');
}

// [6] What the library gets instead of a narrative; the real div is put in afterwards.
const divPlaceholder = (index: number) => `<div xmlns="${XHTML_NS}">${index}</div>`;
const DIV_PLACEHOLDER = /<div xmlns="http:\/\/www\.w3\.org\/1999\/xhtml">(\d+)<\/div>/g;

// ---------------------------------------------------------------------------------------------------------
// Decimals [7]

const DECIMAL = /^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?$/;
const INTEGER = /^-?(0|[1-9][0-9]*)$/;

/** A finite number in plain decimal notation (no exponent), with the shortest digits that round-trip. */
function decimalToString(value: number): string {
  const text = String(value);
  const match = /^(-?)(\d+)(?:\.(\d+))?e([+-]\d+)$/.exec(text);
  if (!match) return text;
  const [, sign, whole, fraction = '', exponent] = match;
  const digits = whole + fraction;
  const point = whole.length + Number(exponent);
  if (point <= 0) return `${sign}0.${'0'.repeat(-point)}${digits}`;
  if (point >= digits.length) return sign + digits + '0'.repeat(point - digits.length);
  return `${sign}${digits.slice(0, point)}.${digits.slice(point)}`;
}

// ---------------------------------------------------------------------------------------------------------
// XML -> JSON

type Fixup =
  | { kind: 'div'; path: JsonPath; div: string }
  | { kind: 'repeat'; path: JsonPath; name: string; count: number; valueless: number[] }
  | { kind: 'decimal'; path: JsonPath };

interface Context {
  inResource: boolean;
  type: string;
}

/**
 * Checks an incoming document against the R4 definitions and writes the canonical document the library
 * converts: only FHIR elements and their value/id/url attributes, no comments or whitespace, narrative
 * replaced by placeholders. Records what has to be corrected in the library's result.
 */
class XmlReader {
  readonly out: string[] = [];
  readonly fixups: Fixup[] = [];

  constructor(private readonly rootType: string) {}

  private where(path: JsonPath): string {
    return this.rootType + path.map((step) => (typeof step === 'number' ? `[${step}]` : `.${step}`)).join('');
  }

  resource(element: XElement, path: JsonPath, isRoot: boolean): void {
    const { name, line } = element;
    if (name.includes(':')) throw this.prefixed(element);
    if (!isResourceType(name)) {
      throw badRequest(
        isRoot
          ? `Unknown resource type: the root element <${name}> is not an R4 resource (line ${line})`
          : `<${name}> in ${this.where(path)} is not an R4 resource type (line ${line})`,
      );
    }
    if (isRoot && element.attributes.xmlns !== FHIR_NS) {
      throw badRequest(
        `The root element <${name}> must be in the FHIR namespace: xmlns="${FHIR_NS}" (line ${line})`,
      );
    }
    this.checkAttributes(element, [], path);
    this.out.push(isRoot ? `<${name} xmlns="${FHIR_NS}">` : `<${name}>`);
    const properties = definitions[name]._properties ?? [];
    this.children(element, this.elementsOf(element, path), properties, path, {
      inResource: true,
      type: name,
    });
    this.out.push(`</${name}>`);
  }

  private children(
    parent: XElement,
    elements: XElement[],
    properties: ParsedProperty[],
    path: JsonPath,
    context: Context,
  ): void {
    const byName = propertiesByName(properties);
    const seen = new Map<string, number>();
    const repeats = new Map<string, { count: number; valueless: number[]; extra: boolean }>();
    for (const child of elements) {
      const { name } = child;
      const property = byName.get(name);
      if (!property || isAttributeProperty(name, context.inResource, context.type)) {
        throw this.unknownElement(child, parent, path, !!property);
      }
      const index = seen.get(name) ?? 0;
      seen.set(name, index + 1);
      if (!property._multiple && index > 0) {
        throw badRequest(
          `Element '${name}' occurs more than once in ${this.where(path)} but allows at most one (line ${child.line})`,
        );
      }
      const childPath = property._multiple ? [...path, name, index] : [...path, name];
      const shape = shapeOf(property);
      switch (shape.kind) {
        case 'primitive': {
          const extraPath = property._multiple ? [...path, `_${name}`, index] : [...path, `_${name}`];
          const { hasValue, hasExtra } = this.primitive(child, shape.type, childPath, extraPath);
          if (property._multiple) {
            const repeat = repeats.get(name) ?? { count: 0, valueless: [], extra: false };
            repeat.count = index + 1;
            if (!hasValue) repeat.valueless.push(index);
            repeat.extra ||= hasExtra;
            repeats.set(name, repeat);
          }
          break;
        }
        case 'xhtml':
          this.div(child, childPath);
          break;
        case 'resource':
          this.resourceWrapper(child, childPath);
          break;
        case 'complex':
          this.complex(child, shape, childPath);
          break;
      }
    }
    // [3] Repeating primitives the library gets wrong: some without a value, or with `_x` entries to pad.
    for (const [name, { count, valueless, extra }] of repeats) {
      if (valueless.length || extra) this.fixups.push({ kind: 'repeat', path, name, count, valueless });
    }
  }

  /** The element children; comments and processing instructions are dropped [9], text is an error [2]. */
  private elementsOf(parent: XElement, path: JsonPath): XElement[] {
    const elements: XElement[] = [];
    for (const node of parent.children) {
      if (node.kind === 'element') elements.push(node);
      else if (node.kind === 'text' && (node.cdata || node.text.trim() !== '')) {
        throw badRequest(
          `Unexpected text content in <${parent.name}> at ${this.where(path)} (line ${parent.line}): ` +
            'FHIR XML carries values in value attributes',
        );
      }
    }
    return elements;
  }

  private primitive(element: XElement, type: string, path: JsonPath, extraPath: JsonPath) {
    this.checkAttributes(element, ['value', 'id'], path);
    const { name, line } = element;
    const { id } = element.attributes;
    let { value } = element.attributes;
    if (value !== undefined) value = this.primitiveValue(value, type, path, line);
    // xmlToObj leaves decimals as strings (so as not to lose precision); JSON has numbers.
    if (value !== undefined && type === 'decimal') this.fixups.push({ kind: 'decimal', path });
    let attributes = value !== undefined ? ` value="${escapeAttribute(value)}"` : '';
    if (id !== undefined) attributes += ` id="${escapeAttribute(id)}"`;
    // [4] Without any attribute the library throws a TypeError on booleans and decimals.
    if (!attributes) attributes = ` xmlns="${FHIR_NS}"`;
    this.out.push(`<${name}${attributes}>`);
    let extensions = 0;
    for (const child of this.elementsOf(element, path)) {
      if (child.name !== 'extension') {
        throw badRequest(
          `Unknown element '${child.name}' in ${this.where(path)} (line ${child.line}): ` +
            'a primitive element can only contain extensions',
        );
      }
      this.complex(child, extensionShape, [...extraPath, 'extension', extensions++]);
    }
    this.out.push(`</${name}>`);
    if (value === undefined && id === undefined && extensions === 0) {
      throw badRequest(`Element ${this.where(path)} has no value, id or extension (line ${line})`);
    }
    return { hasValue: value !== undefined, hasExtra: id !== undefined || extensions > 0 };
  }

  private primitiveValue(value: string, type: string, path: JsonPath, line: number): string {
    const invalid = (what: string) =>
      badRequest(`Invalid ${what} '${value}' at ${this.where(path)} (line ${line})`, undefined, 'value');
    if (value === '') throw invalid(`empty value`);
    switch (type) {
      case 'boolean':
        if (value !== 'true' && value !== 'false') throw invalid('boolean');
        return value;
      case 'integer':
      case 'unsignedInt':
      case 'positiveInt':
        if (!INTEGER.test(value) || !Number.isSafeInteger(Number(value))) throw invalid(type);
        return value;
      case 'decimal': {
        if (!DECIMAL.test(value)) throw invalid('decimal');
        const number = Number(value);
        if (!Number.isFinite(number)) throw invalid('decimal (out of range for JSON)');
        // [7] The library only reads plain notation; exponents are valid R4.
        return /[eE]/.test(value) ? decimalToString(number) : value;
      }
      default:
        return value;
    }
  }

  private complex(element: XElement, shape: ComplexShape, path: JsonPath): void {
    const allowed = shape.type === 'Extension' ? ['id', 'url'] : ['id'];
    this.checkAttributes(element, allowed, path);
    let attributes = '';
    for (const name of allowed) {
      const value = element.attributes[name];
      if (value === '')
        throw badRequest(`Empty ${name} attribute at ${this.where(path)} (line ${element.line})`);
      if (value !== undefined) attributes += ` ${name}="${escapeAttribute(value)}"`;
    }
    const elements = this.elementsOf(element, path);
    if (elements.length === 0) {
      throw badRequest(
        `Element ${this.where(path)} is empty (line ${element.line}): FHIR elements need content`,
      );
    }
    this.out.push(`<${element.name}${attributes}>`);
    this.children(element, elements, shape.properties, path, { inResource: false, type: shape.type });
    this.out.push(`</${element.name}>`);
  }

  private resourceWrapper(element: XElement, path: JsonPath): void {
    this.checkAttributes(element, [], path);
    const inner = this.elementsOf(element, path);
    if (inner.length !== 1) {
      throw badRequest(
        `${this.where(path)} must contain exactly one resource, found ${inner.length} (line ${element.line})`,
      );
    }
    this.out.push(`<${element.name}>`);
    this.resource(inner[0], path, false);
    this.out.push(`</${element.name}>`);
  }

  private div(element: XElement, path: JsonPath): void {
    if (element.attributes.xmlns !== XHTML_NS) {
      throw badRequest(
        `The narrative div at ${this.where(path)} must be in the XHTML namespace: ` +
          `<div xmlns="${XHTML_NS}"> (line ${element.line})`,
      );
    }
    this.fixups.push({ kind: 'div', path, div: serializeXhtml(element, false) });
    this.out.push(divPlaceholder(0));
  }

  /** value/id/url as allowed; xmlns only for the FHIR namespace; prefixed (foreign) attributes are ignored. */
  private checkAttributes(element: XElement, allowed: string[], path: JsonPath): void {
    for (const [name, value] of Object.entries(element.attributes)) {
      if (allowed.includes(name) || name.includes(':')) continue;
      if (name === 'xmlns') {
        if (value === FHIR_NS) continue;
        throw badRequest(
          `<${element.name}> at ${this.where(path)} is in namespace '${value}', not ${FHIR_NS} (line ${element.line})`,
        );
      }
      throw badRequest(
        `Unknown attribute '${name}' on <${element.name}> at ${this.where(path)} (line ${element.line})`,
      );
    }
  }

  private unknownElement(child: XElement, parent: XElement, path: JsonPath, isAttribute: boolean) {
    if (child.name.includes(':')) return this.prefixed(child);
    const where = `${this.where(path)} (line ${child.line})`;
    if (isAttribute) {
      return badRequest(
        `'${child.name}' of <${parent.name}> must be an attribute, not an element, at ${where}`,
      );
    }
    return badRequest(`Unknown element '${child.name}' in ${where}`);
  }

  private prefixed(element: XElement) {
    return badRequest(
      `Namespace prefixes are not supported: <${element.name}> (line ${element.line}); ` +
        `use the default namespace xmlns="${FHIR_NS}"`,
    );
  }
}

function locate(root: JsonObject, path: JsonPath): JsonObject {
  let node: unknown = root;
  for (const step of path) node = (node as Record<string | number, unknown> | undefined)?.[step];
  if (node === null || typeof node !== 'object') {
    throw new Error(`fhir conversion result has no element at ${path.join('.')}`);
  }
  return node as JsonObject;
}

function applyFixups(resource: JsonObject, fixups: Fixup[]): void {
  // Repeating primitives first: the paths of the others count positions as in the XML.
  for (const fixup of fixups) if (fixup.kind === 'repeat') realign(resource, fixup);
  for (const fixup of fixups) {
    if (fixup.kind === 'repeat') continue;
    const parent = locate(resource, fixup.path.slice(0, -1)) as Record<string | number, unknown>;
    const step = fixup.path[fixup.path.length - 1];
    if (fixup.kind === 'div') {
      parent[step] = fixup.div;
    } else {
      if (typeof parent[step] !== 'string')
        throw new Error(`fhir conversion lost the decimal at ${fixup.path.join('.')}`);
      parent[step] = Number(parent[step]);
    }
  }
}

/** [3] Put nulls where an element had no value, and pad `_x` to the same length. */
function realign(resource: JsonObject, fixup: Extract<Fixup, { kind: 'repeat' }>): void {
  const { name, count, valueless } = fixup;
  const parent = locate(resource, fixup.path);
  const values = (parent[name] as unknown[] | undefined) ?? [];
  const aligned: unknown[] = [];
  for (let i = 0, next = 0; i < count; i++) aligned.push(valueless.includes(i) ? null : values[next++]);
  if (aligned.some((value) => value !== null)) parent[name] = aligned;
  else delete parent[name];
  const extras = parent[`_${name}`] as unknown[] | undefined;
  if (extras) for (let i = 0; i < count; i++) extras[i] ??= null;
}

/**
 * Parses a FHIR R4 XML document into a resource. Malformed XML, a DOCTYPE, an unknown root element and
 * anything the R4 definitions do not allow are a FhirError 400 with a message naming the place.
 */
export function xmlToResource(xml: string, options: { maxDepth?: number } = {}): Resource {
  const root = parseXml(xml, {
    strictEntities: true,
    maxDepth: options.maxDepth ?? DEFAULT_MAX_XML_DEPTH,
    fail: (message) => badRequest(message, undefined, 'structure'),
  });
  const reader = new XmlReader(root.name);
  reader.resource(root, [], true);
  let resource: JsonObject;
  try {
    // xmlToObj, not xmlToJson: the latter would write decimals as numbers, but crashes with a TypeError on the
    // null entries of `_x` arrays (e.g. `<given value="A"/><given value="B" id="b"/>`) [3].
    resource = fhir.xmlToObj(reader.out.join('')) as JsonObject;
  } catch (err) {
    // The library reports invalid values with plain Errors; anything else is a bug, not the client's.
    if (err instanceof Error && err.constructor === Error)
      throw badRequest(`Invalid FHIR XML: ${err.message}`);
    throw err;
  }
  applyFixups(resource, reader.fixups);
  return resource as unknown as Resource;
}

// ---------------------------------------------------------------------------------------------------------
// JSON -> XML

/** A primitive property of a JSON element: its value(s) and `_x` sibling(s). */
interface Primitive {
  values: unknown;
  extras: unknown;
  type: string;
  name: string;
  where: string;
  depth: number;
}

const isObject = (value: unknown): value is JsonObject =>
  value !== null && typeof value === 'object' && !Array.isArray(value);

/**
 * [10] Checks a resource against the R4 definitions and builds the copy the library serialises: decimals as
 * plain-notation strings [7], primitive ids pre-escaped [8], no fhir_comments [9], narrative placeholders [6].
 */
class JsonWriter {
  readonly divs: string[] = [];

  resource(value: unknown, where: string, depth: number): JsonObject {
    if (!isObject(value)) throw this.fail(`${where} must be a resource object`);
    const type = value.resourceType;
    if (typeof type !== 'string' || !isResourceType(type)) {
      throw this.fail(`${where} has an unknown resourceType ${JSON.stringify(type)}`);
    }
    const copy: JsonObject = { resourceType: type };
    const base = where || type;
    this.element(value, definitions[type]._properties ?? [], copy, base, { inResource: true, type }, depth);
    return copy;
  }

  private element(
    source: JsonObject,
    properties: ParsedProperty[],
    copy: JsonObject,
    where: string,
    context: Context,
    depth: number,
  ): void {
    if (depth > DEFAULT_MAX_XML_DEPTH)
      throw this.fail(`${where} nests deeper than ${DEFAULT_MAX_XML_DEPTH} levels`);
    const byName = propertiesByName(properties);
    const names = new Set<string>();
    for (const key of Object.keys(source)) {
      if (key === 'fhir_comments' || (context.inResource && key === 'resourceType')) continue; // [9]
      // An in-memory resource may carry `key: undefined`; JSON.stringify drops it, so the XML does too.
      if (source[key] === undefined) continue;
      const name = key.startsWith('_') ? key.slice(1) : key;
      const property = byName.get(name);
      if (!property) throw this.fail(`unknown property '${key}' in ${where}`);
      if (
        key !== name &&
        (shapeOf(property).kind !== 'primitive' ||
          isAttributeProperty(name, context.inResource, context.type))
      ) {
        throw this.fail(`'${key}' in ${where} has no XML representation`);
      }
      names.add(name);
    }
    for (const name of names) {
      const property = byName.get(name) as ParsedProperty;
      const shape = shapeOf(property);
      const path = `${where}.${name}`;
      const value = source[name];
      if (shape.kind === 'primitive') {
        const primitive = { values: value, extras: source[`_${name}`], type: shape.type, name, where, depth };
        if (property._multiple) this.primitiveArray(primitive, copy);
        else this.primitive(primitive, copy);
        continue;
      }
      const convert = (item: unknown, itemPath: string): unknown => {
        switch (shape.kind) {
          case 'xhtml':
            return this.div(item, itemPath);
          case 'resource':
            return this.resource(item, itemPath, depth + 1);
          case 'complex':
            return this.complex(item, shape, itemPath, depth + 1);
        }
      };
      if (property._multiple) {
        if (!Array.isArray(value) || value.length === 0) throw this.fail(`${path} must be a non-empty array`);
        copy[name] = value.map((item, i) => convert(item, `${path}[${i}]`));
      } else {
        if (Array.isArray(value)) throw this.fail(`${path} allows one value, not an array`);
        copy[name] = convert(value, path);
      }
    }
  }

  private complex(value: unknown, shape: ComplexShape, where: string, depth: number) {
    if (!isObject(value)) throw this.fail(`${where} must be an object`);
    const copy: JsonObject = {};
    this.element(value, shape.properties, copy, where, { inResource: false, type: shape.type }, depth);
    if (Object.keys(copy).length === 0) throw this.fail(`${where} is empty`);
    return copy;
  }

  private primitive({ values: value, extras: extra, type, name, where, depth }: Primitive, copy: JsonObject) {
    if (value === null) throw this.fail(`${where}.${name} is null`);
    const element = this.primitiveExtra(extra, `${where}._${name}`, depth);
    if (value !== undefined) copy[name] = this.primitiveValue(value, type, `${where}.${name}`);
    if (element) copy[`_${name}`] = element;
  }

  private primitiveArray({ values, extras, type, name, where, depth }: Primitive, copy: JsonObject) {
    if (values !== undefined && !Array.isArray(values)) throw this.fail(`${where}.${name} must be an array`);
    if (extras !== undefined && !Array.isArray(extras)) throw this.fail(`${where}._${name} must be an array`);
    const length = Math.max(values?.length ?? 0, extras?.length ?? 0);
    if (length === 0) throw this.fail(`${where}.${name} must be a non-empty array`);
    const copiedValues: unknown[] = [];
    const copiedExtras: unknown[] = [];
    for (let i = 0; i < length; i++) {
      const value: unknown = values?.[i] ?? null;
      const element = this.primitiveExtra(extras?.[i], `${where}._${name}[${i}]`, depth);
      if (value === null && !element)
        throw this.fail(`${where}.${name}[${i}] is null without an id or extension`);
      copiedValues.push(value === null ? null : this.primitiveValue(value, type, `${where}.${name}[${i}]`));
      copiedExtras.push(element ?? null);
    }
    // The library iterates the value array, so it is needed even when every value is null.
    copy[name] = copiedValues;
    if (copiedExtras.some((element) => element !== null)) copy[`_${name}`] = copiedExtras;
  }

  /** The `_x` sibling: id and extension only. */
  private primitiveExtra(extra: unknown, where: string, depth: number): JsonObject | undefined {
    if (extra === undefined || extra === null) return undefined;
    if (!isObject(extra)) throw this.fail(`${where} must be an object`);
    const copy: JsonObject = {};
    for (const [key, value] of Object.entries(extra)) {
      if (key === 'fhir_comments') continue; // [9]
      if (key === 'id') {
        if (typeof value !== 'string' || value === '')
          throw this.fail(`${where}.id must be a non-empty string`);
        copy.id = escapeAttribute(value); // [8] the library writes this attribute unescaped
      } else if (key === 'extension') {
        if (!Array.isArray(value) || value.length === 0)
          throw this.fail(`${where}.extension must be a non-empty array`);
        copy.extension = value.map((item, i) =>
          this.complex(item, extensionShape, `${where}.extension[${i}]`, depth + 1),
        );
      } else {
        throw this.fail(`unknown property '${key}' in ${where}`);
      }
    }
    return Object.keys(copy).length ? copy : undefined;
  }

  private primitiveValue(value: unknown, type: string, where: string): unknown {
    switch (type) {
      case 'boolean':
        if (typeof value !== 'boolean') throw this.fail(`${where} must be a boolean`);
        return value;
      case 'integer':
      case 'unsignedInt':
      case 'positiveInt':
        if (!Number.isSafeInteger(value)) throw this.fail(`${where} must be an integer`);
        return value;
      case 'decimal':
        if (typeof value !== 'number' || !Number.isFinite(value))
          throw this.fail(`${where} must be a finite number`);
        return decimalToString(value); // [7]
      default:
        if (typeof value !== 'string' || value === '') throw this.fail(`${where} must be a non-empty string`);
        return value;
    }
  }

  /** [6] Parse and canonicalise the narrative now; the library gets a numbered placeholder. */
  private div(value: unknown, where: string): string {
    if (typeof value !== 'string') throw this.fail(`${where} must be an XHTML string`);
    const div = parseXml(value, {
      strictEntities: false,
      maxDepth: DEFAULT_MAX_XML_DEPTH,
      fail: (message) => this.fail(`the narrative at ${where} is not well-formed XHTML: ${message}`),
    });
    if (div.name !== 'div') throw this.fail(`the narrative at ${where} must be a single <div> element`);
    const ns = div.attributes.xmlns;
    // json.html requires the xmlns on the div; a div without one can only mean XHTML.
    if (ns === undefined) div.attributes = { xmlns: XHTML_NS, ...div.attributes };
    else if (ns !== XHTML_NS)
      throw this.fail(`the narrative at ${where} is in namespace '${ns}', not ${XHTML_NS}`);
    this.divs.push(serializeXhtml(div, true));
    return divPlaceholder(this.divs.length - 1);
  }

  private fail(message: string): Error {
    return new Error(`Cannot serialise the resource as FHIR XML: ${message}`);
  }
}

/**
 * Serialises a resource as a FHIR R4 XML document (with XML declaration, default namespace
 * http://hl7.org/fhir). A resource that does not fit the R4 definitions throws a plain Error: the data
 * comes from this server, so that is a server fault, not the client's.
 */
export function resourceToXml(resource: Resource): string {
  const writer = new JsonWriter();
  const copy = writer.resource(resource, '', 0);
  let xml = fhir.objToXml(copy).replace(/\t/g, '&#x9;'); // [8] tabs only occur inside attribute values here
  let placed = 0;
  xml = xml.replace(DIV_PLACEHOLDER, (_match, index: string) => {
    placed++;
    return writer.divs[Number(index)];
  });
  if (placed !== writer.divs.length) throw new Error('fhir: narrative placeholders were not all written');
  if (INVALID_XML_CHAR.test(xml)) {
    throw new Error(
      'Cannot serialise the resource as FHIR XML: it contains a character that XML does not allow',
    );
  }
  return xml;
}
