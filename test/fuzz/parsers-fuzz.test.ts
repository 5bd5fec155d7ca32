import fs from 'node:fs';
import fc from 'fast-check';
import type { Bundle, Resource } from '@medplum/fhirtypes';
import { FhirError } from '../../src/kernel/outcome';
import { SUPPORTED_TYPES } from '../../src/kernel/resource-types';
import { decodeCursor, encodeCursor, sealCursor, searchFingerprint } from '../../src/fhir/search/cursor';
import type { SortKey } from '../../src/store/search/keyset';
import { searchableParams } from '../../src/fhir/search/registry';
import { parseSearchRequest } from '../../src/fhir/search/search-request';
import { resourceToXml, xmlToResource } from '../../src/fhir/rest/xml-format';
import { ResourceValidator } from '../../src/fhir/validation/validator';
import { DEMO_BUNDLE } from '../../src/demo-data-loader';
import { agbProblem } from '../../src/domain/agb';
import { bsnProblem, isValidBsn } from '../../src/domain/bsn';
import { uraProblem } from '../../src/domain/ura';
import { uziPersonProblem } from '../../src/domain/uzi';
import { hostileJson, hostileString, HOSTILE_DATES, PERCENT_JUNK } from './hostile-values';
import { describeMutation, jsonPaths, mutate, type Mutation } from './json-paths';
import { describeFuzz, fcParams, timeoutFor } from './fuzz-config';
import { RESULT_PARAMS } from '../../src/fhir/search/result-params';

/**
 * Issue 8 §2, the input takers below HTTP, fuzzed directly (cheap, so many cases): each may refuse its input only
 * with a FhirError (which the REST layer turns into a 4xx OperationOutcome), the validator only with issues.
 */
const demo =
  (JSON.parse(fs.readFileSync(DEMO_BUNDLE, 'utf8')) as Bundle).entry?.map((e) => e.resource as Resource) ??
  [];

/** Runs `fn`; anything thrown that is not a FhirError below 500 fails the property, with what it was. */
function onlyFhirErrors(fn: () => unknown): true {
  try {
    fn();
  } catch (err) {
    if (err instanceof FhirError && err.status < 500) return true;
    throw new Error(
      `threw ${err instanceof Error ? `${err.constructor.name}: ${err.message}` : String(err)}`,
    );
  }
  return true;
}

const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  { weight: 6, arbitrary: hostileJson.map((value) => ({ kind: 'replace' as const, value })) },
  { weight: 2, arbitrary: hostileJson.map((value) => ({ kind: 'append' as const, value })) },
  { weight: 2, arbitrary: hostileJson.map((value) => ({ kind: 'sibling' as const, value })) },
  { weight: 1, arbitrary: fc.constant({ kind: 'delete' as const }) },
);
const targets = demo.flatMap((resource) => jsonPaths(resource).map((path) => ({ resource, path })));
const targetArb = fc.integer({ min: 0, max: targets.length - 1 }).map((i) => targets[i]);

describeFuzz('search parameter parser', () => {
  const keyArb = fc.constantFrom(...SUPPORTED_TYPES).chain((type) =>
    fc.tuple(
      fc.constant(type),
      fc.oneof(
        fc.constantFrom(...searchableParams(type).map((p) => p.code)),
        fc
          .tuple(fc.constantFrom(...searchableParams(type).map((p) => p.code)), hostileString)
          .map(([c, m]) => `${c}:${m}`),
        fc.constantFrom(...RESULT_PARAMS, '_cursor'),
        hostileString,
      ),
    ),
  );
  const valueArb = fc.oneof(
    hostileString,
    fc.constantFrom(...HOSTILE_DATES, ...PERCENT_JUNK).map((v) => v),
    fc
      .tuple(fc.constantFrom('eq', 'ne', 'gt', 'lt', 'ge', 'le', 'sa', 'eb', 'ap'), hostileString)
      .map(([p, v]) => p + v),
  );

  test(
    'parseSearchRequest refuses only with FhirErrors, strict and lenient',
    () => {
      fc.assert(
        fc.property(
          fc.array(fc.tuple(keyArb, valueArb), { minLength: 1, maxLength: 4 }),
          fc.boolean(),
          (pairs, lenient) => {
            const type = pairs[0][0][0];
            return onlyFhirErrors(() =>
              parseSearchRequest(
                type,
                pairs.map(([[, k], v]) => [k, v]),
                lenient,
              ),
            );
          },
        ),
        fcParams(3000),
      );
    },
    timeoutFor(3000, 5),
  );
});

describeFuzz('paging cursor decoder', () => {
  test(
    'decodeCursor refuses garbage and forged cursors only with FhirErrors, and only ever returns strings or null',
    () => {
      const fingerprint = searchFingerprint('Patient', [['name', 'x']]);
      const key = new Uint8Array(32).fill(7);
      const payload = fc.record({
        d: fc.constantFrom('n', 'p', 'x', 1),
        v: fc.array(hostileJson, { maxLength: 3 }),
        q: fc.constantFrom(fingerprint, 'x'),
      });
      // Unsigned junk, and cursors signed with the server's key but holding hostile values (a key leak).
      const unsigned = payload.map((json) => Buffer.from(JSON.stringify(json)).toString('base64url'));
      const signed = payload.map((json) => sealCursor(key, json));
      const sortKeys: SortKey[] = [
        { param: '_lastUpdated', descending: false, column: 'last_updated' },
        { param: '_id', descending: true, column: 'id' },
        { param: 'name', descending: false },
      ];
      fc.assert(
        fc.property(
          fc.oneof(hostileString, unsigned, signed),
          fc.integer({ min: 0, max: 3 }),
          (text, width) =>
            onlyFhirErrors(() => {
              const cursor = decodeCursor(key, text, fingerprint, sortKeys.slice(0, width));
              if (!cursor.position.every((v) => v === null || typeof v === 'string'))
                throw new Error('non-string position');
            }),
        ),
        fcParams(2000),
      );
      // A cursor the server made decodes to what it encoded.
      const cursor = { direction: 'next' as const, position: ['2020-01-01 00:00:00+00', 'x'] };
      expect(
        decodeCursor(key, encodeCursor(key, cursor, fingerprint), fingerprint, sortKeys.slice(0, 1)),
      ).toEqual(cursor);
    },
    timeoutFor(2000, 5),
  );
});

describeFuzz('XML parser', () => {
  const documents = demo.map((r) => resourceToXml(r));
  const JUNK = [
    '<',
    '>',
    '&',
    '&amp',
    '&#0;',
    '&#xD800;',
    '&#x110000;',
    ']]>',
    '<!DOCTYPE x [<!ENTITY a "b">]>',
    '<![CDATA[',
    '<?xml version="1.0"?>',
    '<x:y xmlns:x="urn:x"/>',
    '</Patient>',
    '<div xmlns="http://www.w3.org/1999/xhtml">',
    'value=""',
    '"',
    "'",
    '\u0000',
    '\ud800',
  ];
  const xmlArb = fc.oneof(
    { weight: 1, arbitrary: hostileString },
    {
      weight: 4,
      arbitrary: fc
        .tuple(
          fc.nat(),
          fc.nat(),
          fc.nat(),
          fc.oneof(fc.constantFrom(...JUNK), hostileString),
          fc.constantFrom('insert', 'cut', 'truncate', 'replace'),
        )
        .map(([doc, at, len, junk, how]) => {
          const xml = documents[doc % documents.length];
          const i = at % xml.length;
          if (how === 'insert') return xml.slice(0, i) + junk + xml.slice(i);
          if (how === 'cut') return xml.slice(0, i) + xml.slice(i + (len % 40));
          if (how === 'truncate') return xml.slice(0, i);
          return xml.slice(0, i) + junk + xml.slice(i + junk.length);
        }),
    },
    {
      weight: 1,
      arbitrary: fc
        .integer({ min: 100, max: 3000 })
        .map((n) => `<Patient xmlns="http://hl7.org/fhir">${'<extension url="x">'.repeat(n)}`),
    },
  );

  test(
    'xmlToResource refuses only with FhirErrors',
    () => {
      fc.assert(
        fc.property(xmlArb, (xml) => onlyFhirErrors(() => xmlToResource(xml))),
        fcParams(2000),
      );
    },
    timeoutFor(2000, 20),
  );
});

describeFuzz('validator', () => {
  let validator: ResourceValidator;
  beforeAll(async () => {
    validator = await ResourceValidator.load();
  }, 300_000);

  test(
    'validate never throws on hostile values at any path of a demo resource: it only returns issues',
    () => {
      fc.assert(
        fc.property(targetArb, mutationArb, ({ resource, path }, mutation) => {
          const mutated = mutate(resource, path, mutation);
          try {
            return Array.isArray(validator.validate(mutated));
          } catch (err) {
            const what = describeMutation(
              resource.resourceType,
              path,
              mutation,
              (v) => JSON.stringify(v)?.slice(0, 60) ?? 'undefined',
            );
            throw new Error(`${what}: the validator threw ${(err as Error).message}`);
          }
        }),
        fcParams(400),
      );
    },
    timeoutFor(400, 100),
  );
});

describeFuzz('Dutch identifier checkers', () => {
  /** The 11-proef, written independently of src/domain/bsn.ts. */
  const elevenProof = (d: string) =>
    /^\d{9}$/.test(d) &&
    !/^0+$/.test(d) &&
    [...d].reduce((s, c, i) => s + (i < 8 ? 9 - i : -1) * Number(c), 0) % 11 === 0;

  test('BSN, AGB, URA and UZI checkers never throw, and accept exactly their formats', () => {
    fc.assert(
      fc.property(fc.oneof(hostileString, fc.stringMatching(/^\d{7,10}$/)), (value) => {
        expect(bsnProblem(value) === undefined).toBe(elevenProof(value));
        expect(isValidBsn(value)).toBe(elevenProof(value));
        expect(agbProblem(value) === undefined).toBe(/^\d{8}$/.test(value));
        expect(uraProblem(value) === undefined).toBe(/^\d{8}$/.test(value));
        expect(uziPersonProblem(value) === undefined).toBe(/^\d{9}$/.test(value));
      }),
      fcParams(3000),
    );
  });
});
