import {
  conceptLabel,
  conceptText,
  el,
  escapeXml,
  formatDate,
  formatPeriod,
  list,
  narrative,
} from '../../../src/fhir/narrative/xhtml';
import { checkNarrativeDiv } from './xhtml-check';

describe('escapeXml', () => {
  it('escapes the five XML special characters', () => {
    expect(escapeXml(`<a href="x">Tom & Jerry's</a>`)).toBe(
      '&lt;a href=&quot;x&quot;&gt;Tom &amp; Jerry&#39;s&lt;/a&gt;',
    );
  });

  it('escapes an ampersand that already looks like an entity', () => {
    expect(escapeXml('&amp; &#60;')).toBe('&amp;amp; &amp;#60;');
  });

  it('drops characters XML 1.0 cannot carry, keeps tabs, newlines and astral characters', () => {
    expect(escapeXml('a\u0000b\u001Fc\uFFFEd\uD800e\tf\ng 😀')).toBe('abcde\tf\ng 😀');
  });
});

describe('el and list', () => {
  it('escapes plain strings but nests built markup', () => {
    expect(el('p', '<b>', el('b', 'vet')).markup).toBe('<p>&lt;b&gt;<b>vet</b></p>');
  });

  it('makes a bullet list of two or more items and leaves out empty ones', () => {
    expect(list(['a', undefined, ' ', 'b'])).toEqual({ markup: '<ul><li>a</li><li>b</li></ul>' });
    expect(list([undefined, 'alleen'])).toBe('alleen');
    expect(list([])).toBeUndefined();
  });
});

describe('narrative', () => {
  it('wraps a heading and the rows with a value in an XHTML div with status generated', () => {
    const result = narrative('Cliënt', [
      ['Naam', 'Jan'],
      ['Leeg', undefined],
      ['Spaties', '  '],
    ]);
    expect(result.status).toBe('generated');
    expect(result.div).toBe(
      '<div xmlns="http://www.w3.org/1999/xhtml"><p><b>Cliënt</b></p>' +
        '<table><tbody><tr><th>Naam</th><td>Jan</td></tr></tbody></table></div>',
    );
    expect(checkNarrativeDiv(result.div)).toBe('Cliënt Naam Jan');
  });

  it('still has content when there are no rows (txt-2)', () => {
    expect(checkNarrativeDiv(narrative('Doel', []).div)).toBe('Doel');
  });
});

describe('formatDate', () => {
  it.each([
    ['1934-04-28', '28 april 1934'],
    ['1940-05-04', '4 mei 1940'],
    ['1934-12', 'december 1934'],
    ['1934', '1934'],
  ])('formats %s as %s', (value, expected) => {
    expect(formatDate(value)).toBe(expected);
  });

  it('shows a time as Dutch wall-clock time, whatever the offset', () => {
    expect(formatDate('2026-10-05T09:30:00+02:00')).toBe('5 oktober 2026 om 09:30');
    expect(formatDate('2026-01-20T08:15:00Z')).toBe('20 januari 2026 om 09:15');
  });

  it('returns an unparseable value as given', () => {
    expect(formatDate('gisteren')).toBe('gisteren');
    expect(formatDate(undefined)).toBeUndefined();
  });
});

describe('formatPeriod', () => {
  it('formats open and closed periods', () => {
    expect(formatPeriod({ start: '2026-03-02' })).toBe('vanaf 2 maart 2026');
    expect(formatPeriod({ start: '2025-05-12', end: '2026-02-27' })).toBe('12 mei 2025 t/m 27 februari 2026');
    expect(formatPeriod({ end: '2026-02-27' })).toBe('tot en met 27 februari 2026');
    expect(formatPeriod({})).toBeUndefined();
  });
});

describe('conceptText', () => {
  const coding = [
    { system: 'http://snomed.info/sct', code: '1' },
    { system: 'http://snomed.info/sct', code: '2', display: 'Dementie' },
  ];

  it('prefers text, then a coding display, then a code', () => {
    expect(conceptText({ text: 'Geheugenproblemen', coding })).toBe('Geheugenproblemen');
    expect(conceptText({ coding })).toBe('Dementie');
    expect(conceptText({ coding: [{ code: 'P70' }] })).toBe('P70');
    expect(conceptText(undefined)).toBeUndefined();
  });

  it('gives a Dutch label for a known status code system, else the display', () => {
    const system = 'http://terminology.hl7.org/CodeSystem/condition-clinical';
    expect(conceptLabel({ coding: [{ system, code: 'active' }] }, system, { active: 'actief' })).toBe(
      'actief',
    );
    expect(conceptLabel({ coding: [{ system: 'x', code: 'y', display: 'Z' }] }, system, {})).toBe('Z');
  });
});

describe('checkNarrativeDiv (the test oracle itself)', () => {
  const wrap = (body: string) => `<div xmlns="http://www.w3.org/1999/xhtml">${body}</div>`;

  it.each([
    ['not well-formed', wrap('<p>a & b</p>')],
    ['unclosed element', wrap('<p><b>a</p>')],
    ['script element', wrap('<script>x()</script>')],
    ['event attribute', wrap('<p onclick="x()">a</p>')],
    ['head element', wrap('<head></head><p>a</p>')],
    ['no XHTML namespace', '<div><p>a</p></div>'],
    ['two roots', `${wrap('a')}<div>b</div>`],
    ['only whitespace', wrap(' <p> </p> ')],
  ])('rejects %s', (_case, div) => {
    expect(() => checkNarrativeDiv(div)).toThrow();
  });
});
