import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { Bundle, Observation, Patient, Resource } from '@medplum/fhirtypes';
import { FhirError, badRequest } from '../../../src/kernel/outcome';
import { resourceToXml, xmlToResource } from '../../../src/fhir/rest/xml-format';
import { NL_CORE_EXAMPLES, NL_CORE_EXAMPLES_XML } from '../../support/fixtures';

/** The official Nictiz nl-core examples, XML and the same converted to JSON (vendored in profiles/). */
const XML_DIR = NL_CORE_EXAMPLES_XML;
const JSON_DIR = NL_CORE_EXAMPLES;
const EXAMPLES = fs
  .readdirSync(XML_DIR)
  .filter((file) => file.endsWith('.xml'))
  .map((file) => file.slice(0, -'.xml'.length))
  .sort();

const readXml = (name: string) => fs.readFileSync(path.join(XML_DIR, `${name}.xml`), 'utf8');
const readJson = (name: string) =>
  JSON.parse(fs.readFileSync(path.join(JSON_DIR, `${name}.json`), 'utf8')) as Resource;

/**
 * The one normalisation against the official JSON: its narrative divs drop the whitespace-only text between
 * tags (the XML's indentation), which xmlToResource keeps because it can be significant (`<b>a</b> <i>b</i>`).
 * `>\s+<` only matches such text nodes: a `<` inside an attribute value is always escaped.
 */
function withoutDivIndentation<T>(value: T): T {
  return JSON.parse(JSON.stringify(value), (key, v: unknown) =>
    key === 'div' && typeof v === 'string' ? v.replace(/>\s+</g, '><') : v,
  ) as T;
}

/**
 * An XML document as comparable data: elements with their attributes and children; comments, processing
 * instructions and the whitespace between FHIR elements dropped (not content); all text inside a narrative div
 * kept. Parsed with the sax the fhir package uses, independently of the module under test.
 */
interface Infoset {
  name: string;
  attributes: Record<string, string>;
  children: Array<Infoset | string>;
}
const sax = createRequire(createRequire(require.resolve('fhir')).resolve('xml-js'))('sax') as {
  parser(
    strict: boolean,
    options: object,
  ): {
    onopentag: (tag: { name: string; attributes: Record<string, string> }) => void;
    onclosetag: () => void;
    ontext: (text: string) => void;
    write(xml: string): { close(): void };
  };
};
function infoset(xml: string): Infoset {
  const parser = sax.parser(true, { strictEntities: true });
  const stack: Infoset[] = [{ name: '#document', attributes: {}, children: [] }];
  let inDiv = 0;
  parser.onopentag = ({ name, attributes }) => {
    const element: Infoset = { name, attributes, children: [] };
    stack[stack.length - 1].children.push(element);
    stack.push(element);
    if (inDiv || name === 'div') inDiv++;
  };
  parser.onclosetag = () => {
    stack.pop();
    if (inDiv) inDiv--;
  };
  parser.ontext = (text) => {
    if (inDiv) stack[stack.length - 1].children.push(text);
  };
  parser.write(xml).close();
  return stack[0].children[0] as Infoset;
}

/** Paths where two infosets differ; value attributes that are equal as numbers are reported separately. */
function compareInfosets(
  a: Infoset,
  b: Infoset,
  at = a.name,
  out = { differences: [] as string[], decimals: [] as string[] },
) {
  if (a.name !== b.name) out.differences.push(`${at}: <${a.name}> vs <${b.name}>`);
  for (const key of new Set([...Object.keys(a.attributes), ...Object.keys(b.attributes)])) {
    const [x, y] = [a.attributes[key], b.attributes[key]];
    if (x === y) continue;
    const decimal = /^-?\d+(\.\d+)?$/;
    if (key === 'value' && decimal.test(x) && decimal.test(y) && Number(x) === Number(y))
      out.decimals.push(`${at}: ${x} -> ${y}`);
    else out.differences.push(`${at}/@${key}: ${JSON.stringify(x)} vs ${JSON.stringify(y)}`);
  }
  const length = Math.max(a.children.length, b.children.length);
  for (let i = 0; i < length; i++) {
    const [x, y] = [a.children[i], b.children[i]];
    if (typeof x === 'object' && typeof y === 'object') compareInfosets(x, y, `${at}/${x.name}[${i}]`, out);
    else if (x !== y) out.differences.push(`${at}[${i}]: ${JSON.stringify(x)} vs ${JSON.stringify(y)}`);
  }
  return out;
}

/** The examples whose XML writes a decimal with trailing zeros, which a JSON number cannot keep. */
const DECIMAL_PRECISION_LOST = [
  'nl-core-LaboratoryTestResult-LaboratoryTest-05',
  'nl-core-Refraction-01',
  'nl-core-VisualAcuity-02',
];

const XHTML = 'http://www.w3.org/1999/xhtml';
const fhirXml = (body: string, root = 'Patient') =>
  `<?xml version="1.0" encoding="UTF-8"?><${root} xmlns="http://hl7.org/fhir">${body}</${root}>`;
const roundTrip = <T extends Resource>(resource: T) => xmlToResource(resourceToXml(resource)) as T;

/** Runs `fn`, expecting a FhirError 400, and returns its message. */
function badRequestMessage(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(FhirError);
    expect((err as FhirError).status).toBe(400);
    return (err as FhirError).message;
  }
  throw new Error('expected a FhirError 400');
}

describe('official nl-core examples', () => {
  it('has a JSON counterpart for every XML example', () => {
    expect(EXAMPLES.length).toBe(271);
    const json = fs.readdirSync(JSON_DIR).filter((file) => file.endsWith('.json'));
    expect(json.map((file) => file.slice(0, -'.json'.length)).sort()).toEqual(EXAMPLES);
  });

  it.each(EXAMPLES)('%s: XML -> JSON equals the official JSON', (name) => {
    expect(withoutDivIndentation(xmlToResource(readXml(name)))).toEqual(
      withoutDivIndentation(readJson(name)),
    );
  });

  it.each(EXAMPLES)('%s: JSON -> XML -> JSON is the identity', (name) => {
    const json = readJson(name);
    expect(xmlToResource(resourceToXml(json))).toEqual(json);
  });

  it.each(EXAMPLES)('%s: XML -> JSON -> XML keeps the XML content, except decimal precision', (name) => {
    const original = readXml(name);
    const { differences, decimals } = compareInfosets(
      infoset(original),
      infoset(resourceToXml(xmlToResource(original))),
    );
    expect(differences).toEqual([]);
    if (DECIMAL_PRECISION_LOST.includes(name)) expect(decimals).not.toEqual([]);
    else expect(decimals).toEqual([]);
  });

  it.each(EXAMPLES)('%s: XML -> JSON -> XML -> JSON is the identity, whitespace included', (name) => {
    const json = xmlToResource(readXml(name));
    const xml = resourceToXml(json);
    expect(xml.startsWith('<?xml version="1.0" encoding="UTF-8"?>')).toBe(true);
    expect(xmlToResource(xml)).toEqual(json);
    expect(resourceToXml(xmlToResource(xml))).toBe(xml);
  });
});

describe('the project demo data', () => {
  it('round-trips the demo transaction Bundle and every fixture', () => {
    const dir = path.resolve(__dirname, '../../../examples');
    const bundle = JSON.parse(fs.readFileSync(path.join(dir, 'demo-data.json'), 'utf8')) as Bundle;
    expect(bundle.entry?.length).toBeGreaterThan(10);
    expect(roundTrip(bundle)).toEqual(bundle);
    const fixtures = path.join(dir, 'fixtures');
    for (const file of fs.existsSync(fixtures) ? fs.readdirSync(fixtures) : []) {
      if (!file.endsWith('.json')) continue;
      const resource = JSON.parse(fs.readFileSync(path.join(fixtures, file), 'utf8')) as Resource;
      expect(roundTrip(resource)).toEqual(resource);
    }
  });
});

describe('primitive extensions', () => {
  const absent = { url: 'http://hl7.org/fhir/StructureDefinition/data-absent-reason', valueCode: 'unknown' };

  it('keeps id and extension of a single primitive, with or without a value', () => {
    const patient: Patient = {
      resourceType: 'Patient',
      birthDate: '1934-04-28',
      _birthDate: { id: 'bd', extension: [{ url: 'http://example.org/time', valueTime: '12:30:00' }] },
      _gender: { extension: [absent] },
    } as Patient;
    const xml = resourceToXml(patient);
    expect(xml).toContain('<birthDate id="bd" value="1934-04-28"><extension url="http://example.org/time">');
    expect(xml).toContain(
      '<gender><extension url="http://hl7.org/fhir/StructureDefinition/data-absent-reason">',
    );
    expect(xmlToResource(xml)).toEqual(patient);
  });

  it('aligns repeating primitives when an element has no value (the library shifts them)', () => {
    const xml = fhirXml(
      `<name><given value="A"/><given id="g2"><extension url="${absent.url}"><valueCode value="unknown"/></extension></given>` +
        '<given value="C"/><given value="D" id="g4"/></name>',
    );
    const patient = xmlToResource(xml) as Patient;
    expect(patient.name?.[0]).toEqual({
      given: ['A', null, 'C', 'D'],
      _given: [null, { id: 'g2', extension: [absent] }, null, { id: 'g4' }],
    });
    expect(roundTrip(patient)).toEqual(patient);
  });

  it('writes repeating primitives that only have extensions', () => {
    const patient = {
      resourceType: 'Patient',
      name: [{ _given: [{ extension: [absent] }, { id: 'x' }] }],
    } as unknown as Patient;
    expect(resourceToXml(patient)).toContain('<name><given><extension');
    expect(roundTrip(patient)).toEqual(patient);
  });

  it('reads a boolean that only has an extension (the library throws a TypeError)', () => {
    const xml = fhirXml(
      `<active><extension url="${absent.url}"><valueCode value="unknown"/></extension></active>`,
    );
    expect(xmlToResource(xml)).toEqual({ resourceType: 'Patient', _active: { extension: [absent] } });
  });

  it('escapes ids of primitive elements (the library writes them raw)', () => {
    const patient = {
      resourceType: 'Patient',
      birthDate: '2000',
      _birthDate: { id: 'a&b<"c\td' },
    } as Patient;
    const xml = resourceToXml(patient);
    expect(xml).toContain('id="a&amp;b&lt;&quot;c&#x9;d"');
    expect(xmlToResource(xml)).toEqual(patient);
  });
});

describe('narrative', () => {
  const withDiv = (div: string): Patient => ({ resourceType: 'Patient', text: { status: 'generated', div } });
  const divOf = (resource: Resource) => (resource as Patient).text?.div;

  it('keeps whitespace, entities and markup exactly', () => {
    const div =
      `<div xmlns="${XHTML}"><p>a <b>b</b> <i>c</i></p>\n  <p title="x &amp; &lt;y&gt; &quot;z&quot;">` +
      'literal &amp;amp; &lt;tag&gt; \u00a9</p><br/><!-- note --></div>';
    const xml = resourceToXml(withDiv(div));
    expect(xml).toContain(`<div xmlns="${XHTML}"><p>a <b>b</b> <i>c</i></p>`);
    expect(divOf(xmlToResource(xml))).toBe(div);
  });

  it('keeps the narrative whitespace of an XML document', () => {
    const xml = fhirXml(
      `<text><status value="generated"/><div xmlns="${XHTML}">\n  <p>x</p>\r\n  <span>a</span> <span>b</span>\n</div></text>`,
    );
    const div = divOf(xmlToResource(xml));
    expect(div).toBe(`<div xmlns="${XHTML}">\n  <p>x</p>\r\n  <span>a</span> <span>b</span>\n</div>`);
    // A CR in text is written as a character reference, so XML end-of-line handling cannot turn it into LF.
    expect(resourceToXml(withDiv(div as string))).toContain('<p>x</p>&#xD;\n');
    expect(divOf(roundTrip(withDiv(div as string)))).toBe(div);
  });

  it('canonicalises a JSON div: adds the XHTML namespace, decodes HTML entities, <br /> -> <br/>', () => {
    const resource = roundTrip(withDiv('<div><p>a&nbsp;b<br /></p><![CDATA[<x>]]></div>'));
    expect(divOf(resource)).toBe(`<div xmlns="${XHTML}"><p>a\u00a0b<br/></p>&lt;x&gt;</div>`);
  });

  it('rejects a JSON div that is not a single well-formed div', () => {
    expect(() => resourceToXml(withDiv('<p>x</p>'))).toThrow(/must be a single <div> element/);
    expect(() => resourceToXml(withDiv(`<div xmlns="${XHTML}"><p>x</div>`))).toThrow(/not well-formed XHTML/);
    expect(() => resourceToXml(withDiv('<div xmlns="urn:other">x</div>'))).toThrow(/namespace/);
  });

  it('requires the XHTML namespace on an XML div', () => {
    const xml = fhirXml('<text><status value="generated"/><div><p>x</p></div></text>');
    expect(badRequestMessage(() => xmlToResource(xml))).toMatch(
      /Patient\.text\.div must be in the XHTML namespace/,
    );
  });
});

describe('resources in resources', () => {
  it('round-trips contained resources with their ids and references', () => {
    const patient: Patient = {
      resourceType: 'Patient',
      id: 'p1',
      contained: [
        { resourceType: 'Organization', id: 'org', name: 'Zorg & Co' },
        { resourceType: 'Practitioner', id: 'gp', name: [{ family: 'Jansen' }] },
      ],
      generalPractitioner: [{ reference: '#gp' }],
      managingOrganization: { reference: '#org' },
    };
    const xml = resourceToXml(patient);
    expect(xml).toContain(
      '<contained><Organization><id value="org"/><name value="Zorg &amp; Co"/></Organization>',
    );
    expect(xmlToResource(xml)).toEqual(patient);
  });

  it('round-trips Bundle entry resources, nested Bundles and Parameters resources', () => {
    const bundle: Bundle = {
      resourceType: 'Bundle',
      type: 'collection',
      entry: [
        {
          fullUrl: 'urn:uuid:6b2c1a3e-0000-4000-8000-000000000001',
          resource: { resourceType: 'Patient', id: 'p', active: false, multipleBirthInteger: 0 },
        },
        {
          resource: {
            resourceType: 'Bundle',
            type: 'collection',
            entry: [{ resource: { resourceType: 'Basic', code: { text: 'x' } } }],
          },
        },
        {
          resource: {
            resourceType: 'Parameters',
            parameter: [
              { name: 'r', resource: { resourceType: 'Patient', gender: 'female' } },
              { name: 'u', valueUuid: 'urn:uuid:6b2c1a3e-0000-4000-8000-000000000002' },
            ],
          },
        },
      ],
    };
    expect(roundTrip(bundle)).toEqual(bundle);
  });

  it('round-trips what the REST layer sends: a searchset Bundle and an OperationOutcome', () => {
    const outcome = badRequest('Unknown element', 'Patient.foo').toOperationOutcome();
    const searchset: Bundle = {
      resourceType: 'Bundle',
      type: 'searchset',
      total: 1,
      link: [{ relation: 'self', url: 'http://localhost/fhir/Patient?name=van%20der&_count=10' }],
      entry: [
        {
          fullUrl: 'http://localhost/fhir/Patient/p1',
          resource: {
            resourceType: 'Patient',
            id: 'p1',
            meta: { versionId: '2', lastUpdated: '2024-05-01T10:00:00.000Z' },
          },
          search: { mode: 'match', score: 1 },
        },
        { resource: outcome, search: { mode: 'outcome' } },
      ],
    };
    expect(roundTrip(outcome)).toEqual(outcome);
    expect(roundTrip(searchset)).toEqual(searchset);
  });

  it('rejects a resource wrapper without exactly one resource', () => {
    const empty = fhirXml('<contained></contained>');
    expect(badRequestMessage(() => xmlToResource(empty))).toMatch(
      /Patient\.contained\[0\] must contain exactly one resource, found 0/,
    );
    const two = fhirXml('<contained><Basic/><Basic/></contained>');
    expect(badRequestMessage(() => xmlToResource(two))).toMatch(/found 2/);
    const notResource = fhirXml('<contained><Address><city value="x"/></Address></contained>');
    expect(badRequestMessage(() => xmlToResource(notResource))).toMatch(
      /<Address> .* is not an R4 resource type/,
    );
  });
});

describe('values', () => {
  it('reads decimals as JSON numbers: precision beyond the number is lost (documented)', () => {
    const xml = fhirXml(
      '<valueQuantity><value value="1.50"/><unit value="mg"/></valueQuantity>',
      'Observation',
    );
    const observation = xmlToResource(xml) as Observation;
    expect(observation.valueQuantity?.value).toBe(1.5);
    expect(resourceToXml(observation)).toContain('<value value="1.5"/>');
  });

  it('writes decimals in plain notation and reads exponents (the library writes 1e-7 and cannot read it)', () => {
    const observation: Observation = {
      resourceType: 'Observation',
      status: 'final',
      code: { text: 'x' },
      valueQuantity: { value: 1e-7 },
      component: [
        { code: { text: 'big' }, valueQuantity: { value: 1.5e21 } },
        { code: { text: 'negative' }, valueQuantity: { value: -0.000123 } },
      ],
    };
    const xml = resourceToXml(observation);
    expect(xml).toContain('<value value="0.0000001"/>');
    expect(xml).toContain('<value value="1500000000000000000000"/>');
    expect(xml).toContain('<value value="-0.000123"/>');
    expect(xmlToResource(xml)).toEqual(observation);
    const exponent = fhirXml('<valueQuantity><value value="1.25E3"/></valueQuantity>', 'Observation');
    expect((xmlToResource(exponent) as Observation).valueQuantity?.value).toBe(1250);
  });

  it('round-trips choice types, false and 0', () => {
    const observation: Observation = {
      resourceType: 'Observation',
      status: 'final',
      code: { coding: [{ system: 'http://loinc.org', code: '8867-4' }] },
      effectivePeriod: { start: '2024-01-01T10:00:00+01:00' },
      valueCodeableConcept: { text: 'x' },
      component: [
        { code: { text: 'b' }, valueBoolean: false },
        { code: { text: 'i' }, valueInteger: 0 },
        { code: { text: 's' }, valueString: 'tekst' },
        { code: { text: 'r' }, valueRatio: { numerator: { value: 1 }, denominator: { value: 3 } } },
      ],
      extension: [{ url: 'http://example.org/x', valueDecimal: 0.1 }],
    };
    const xml = resourceToXml(observation);
    expect(xml).toContain('<valueBoolean value="false"/>');
    expect(xml).toContain('<valueInteger value="0"/>');
    expect(xmlToResource(xml)).toEqual(observation);
  });

  it('reads and writes valueUuid (the library turns it into an object, or drops it)', () => {
    const xml = fhirXml(
      '<parameter><name value="id"/><valueUuid value="urn:uuid:1"/></parameter>',
      'Parameters',
    );
    const parameters = xmlToResource(xml);
    expect(parameters).toEqual({
      resourceType: 'Parameters',
      parameter: [{ name: 'id', valueUuid: 'urn:uuid:1' }],
    });
    expect(resourceToXml(parameters)).toContain('<valueUuid value="urn:uuid:1"/>');
  });

  it('escapes and restores special characters in values, ids and urls', () => {
    const text = 'a & b < c > d "e" \'f\'\ttab\r\nline \u00e9\u{1F600}';
    const patient: Patient = {
      resourceType: 'Patient',
      name: [{ id: 'n&1', text }],
      extension: [{ url: 'http://example.org/x?a=1&b="2"', valueString: text }],
    };
    const xml = resourceToXml(patient);
    expect(xml).not.toMatch(/\t/);
    expect(xmlToResource(xml)).toEqual(patient);
  });

  it('drops comments: fhir_comments is not R4 JSON', () => {
    const xml = fhirXml('<!-- a --><id value="x"/><!-- b --><name><!-- c --><family value="y"/></name>');
    expect(xmlToResource(`<!-- before -->${xml}`)).toEqual({
      resourceType: 'Patient',
      id: 'x',
      name: [{ family: 'y' }],
    });
    const withComments = {
      resourceType: 'Patient',
      fhir_comments: ['-- not XML --'],
      name: [{ fhir_comments: ['c'], family: 'y', _family: { fhir_comments: ['d'] } }],
    } as unknown as Patient;
    const out = resourceToXml(withComments);
    expect(out).not.toContain('<!--');
    expect(xmlToResource(out)).toEqual({ resourceType: 'Patient', name: [{ family: 'y' }] });
  });

  it('ignores foreign attributes such as xsi:schemaLocation', () => {
    const xml =
      '<Patient xmlns="http://hl7.org/fhir" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" ' +
      'xsi:schemaLocation="http://hl7.org/fhir ../patient.xsd"><active value="true"/></Patient>';
    expect(xmlToResource(xml)).toEqual({ resourceType: 'Patient', active: true });
  });
});

describe('rejected XML', () => {
  const cases: Array<[string, string, RegExp]> = [
    ['empty input', '', /no root element/],
    ['only a declaration', '<?xml version="1.0"?>', /no root element/],
    ['text instead of XML', '{"resourceType":"Patient"}', /Malformed XML: Non-whitespace before first tag/],
    [
      'a mismatched tag',
      fhirXml('<active value="true"></name>'),
      /Malformed XML: Unexpected close tag \(line 1, column \d+\)/,
    ],
    [
      'a truncated document',
      fhirXml('<active value="true"/>').slice(0, -12),
      /Malformed XML: Unclosed root tag/,
    ],
    ['an unquoted attribute', fhirXml('<active value=true/>'), /Malformed XML: Unquoted attribute value/],
    ['an undefined entity', fhirXml('<id value="&foo;"/>'), /Malformed XML: Invalid character entity/],
    ['a forbidden character', fhirXml('<id value="a&#1;b"/>'), /character that XML does not allow/],
    ['two root elements', `${fhirXml('')}<Patient xmlns="http://hl7.org/fhir"/>`, /2 root elements/],
    [
      'an unknown root element',
      '<Foo xmlns="http://hl7.org/fhir"/>',
      /Unknown resource type: the root element <Foo>/,
    ],
    [
      'a data type as root',
      '<Address xmlns="http://hl7.org/fhir"/>',
      /root element <Address> is not an R4 resource/,
    ],
    [
      'an abstract root',
      '<DomainResource xmlns="http://hl7.org/fhir"/>',
      /<DomainResource> is not an R4 resource/,
    ],
    ['no namespace', '<Patient><active value="true"/></Patient>', /must be in the FHIR namespace/],
    ['another namespace', '<Patient xmlns="http://hl7.org/fhir/x"/>', /must be in the FHIR namespace/],
    ['a prefixed root', '<f:Patient xmlns:f="http://hl7.org/fhir"/>', /Namespace prefixes are not supported/],
    [
      'an unknown element',
      fhirXml('<name><family value="x"/><nickname value="y"/></name>'),
      /Unknown element 'nickname' in Patient\.name\[0\] \(line 1\)/,
    ],
    [
      'a repeated 0..1 element',
      fhirXml('<active value="true"/><active value="false"/>'),
      /'active' occurs more than once in Patient/,
    ],
    [
      'an unknown attribute',
      fhirXml('<active value="true" foo="x"/>'),
      /Unknown attribute 'foo' on <active> at Patient\.active/,
    ],
    [
      'an element id as element',
      fhirXml('<name><id value="x"/></name>'),
      /'id' of <name> must be an attribute/,
    ],
    ['text content', fhirXml('<name><family>Jansen</family></name>'), /Unexpected text content in <family>/],
    ['CDATA content', fhirXml('<name><![CDATA[x]]></name>'), /Unexpected text content in <name>/],
    ['an empty value', fhirXml('<gender value=""/>'), /Invalid empty value '' at Patient\.gender/],
    [
      'an element without value',
      fhirXml('<name><given/></name>'),
      /Patient\.name\[0\]\.given\[0\] has no value, id or extension/,
    ],
    ['an empty complex element', fhirXml('<name/>'), /Patient\.name\[0\] is empty/],
    ['an invalid boolean', fhirXml('<active value="yes"/>'), /Invalid boolean 'yes' at Patient\.active/],
    ['an invalid integer', fhirXml('<multipleBirthInteger value="1.5"/>'), /Invalid integer '1\.5'/],
    [
      'an invalid decimal',
      fhirXml('<valueQuantity><value value="1,5"/></valueQuantity>', 'Observation'),
      /Invalid decimal '1,5' at Observation\.valueQuantity\.value/,
    ],
    [
      'a child in a primitive',
      fhirXml('<active value="true"><value value="x"/></active>'),
      /a primitive element can only contain extensions/,
    ],
  ];

  it.each(cases)('rejects %s with a 400', (_what, xml, message) => {
    expect(badRequestMessage(() => xmlToResource(xml))).toMatch(message);
  });

  it('rejects any DOCTYPE before it can expand entities', () => {
    const laughs =
      '<?xml version="1.0"?><!DOCTYPE Patient [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>' +
      '<Patient xmlns="http://hl7.org/fhir"><id value="&b;"/></Patient>';
    expect(badRequestMessage(() => xmlToResource(laughs))).toMatch(/DOCTYPE declarations are not allowed/);
    const external = '<!DOCTYPE Patient SYSTEM "file:///etc/passwd"><Patient xmlns="http://hl7.org/fhir"/>';
    expect(badRequestMessage(() => xmlToResource(external))).toMatch(/DOCTYPE/);
    expect(
      badRequestMessage(() => xmlToResource('<!doctype html><Patient xmlns="http://hl7.org/fhir"/>')),
    ).toMatch(/DOCTYPE/);
  });

  it('rejects a character reference beyond U+10FFFF with a 400, not a RangeError (found by the fuzz suite)', () => {
    for (const ref of ['&#x110000;', '&#1114112;', '&#xFFFFFFFFF;'])
      expect(badRequestMessage(() => xmlToResource(fhirXml(`<gender value="${ref}"/>`)))).toMatch(
        /character reference beyond U\+10FFFF/,
      );
  });

  it('rejects deep nesting without exhausting the stack', () => {
    const deep = fhirXml(`<text><status value="generated"/><div xmlns="${XHTML}">${'<b>'.repeat(100_000)}`);
    expect(badRequestMessage(() => xmlToResource(deep))).toMatch(/nests deeper than the allowed 128 levels/);
    const extensions =
      '<extension url="u">'.repeat(60) + '<valueString value="x"/>' + '</extension>'.repeat(60);
    expect(xmlToResource(fhirXml(extensions))).toBeDefined();
    expect(badRequestMessage(() => xmlToResource(fhirXml(extensions), { maxDepth: 20 }))).toMatch(
      /20 levels/,
    );
  });

  it('never crashes on garbage', () => {
    const inputs = [
      '<',
      '<<>>',
      '<?xml',
      '<!--',
      '<Patient xmlns="http://hl7.org/fhir"',
      '\u0000',
      '<a b="c" b="d"/>',
    ];
    for (const input of inputs) expect(badRequestMessage(() => xmlToResource(input))).toBeTruthy();
  });
});

describe('resources that cannot be written', () => {
  it('throws a plain Error (a server fault) naming the property', () => {
    const cases: Array<[unknown, RegExp]> = [
      [{ resourceType: 'Nope' }, /unknown resourceType "Nope"/],
      [{ resourceType: 'Patient', nickname: 'x' }, /unknown property 'nickname' in Patient/],
      [{ resourceType: 'Patient', name: { family: 'x' } }, /Patient\.name must be a non-empty array/],
      [{ resourceType: 'Patient', name: [{ given: 'Jan' }] }, /Patient\.name\[0\]\.given must be an array/],
      [{ resourceType: 'Patient', active: 'true' }, /Patient\.active must be a boolean/],
      [
        { resourceType: 'Patient', name: [{ given: ['a', null] }] },
        /given\[1\] is null without an id or extension/,
      ],
      [{ resourceType: 'Patient', name: [{}] }, /Patient\.name\[0\] is empty/],
      [{ resourceType: 'Observation', valueQuantity: { value: Infinity } }, /must be a finite number/],
      [{ resourceType: 'Patient', name: [{ text: 'a\u0001b' }] }, /character that XML does not allow/],
    ];
    for (const [resource, message] of cases) {
      let error: unknown;
      try {
        resourceToXml(resource as Resource);
      } catch (err) {
        error = err;
      }
      expect(error).toBeInstanceOf(Error);
      expect(error).not.toBeInstanceOf(FhirError);
      expect((error as Error).message).toMatch(message);
    }
  });
});

// The CapabilityStatement is built in memory with `searchInclude: undefined` for types without includes:
// GET /metadata as XML answered 500.
it('leaves out properties whose value is undefined, as JSON.stringify does', () => {
  const patient = { resourceType: 'Patient', id: 'p1', name: undefined, active: true } as unknown as Patient;
  expect(resourceToXml(patient)).toBe(resourceToXml({ resourceType: 'Patient', id: 'p1', active: true }));
});
