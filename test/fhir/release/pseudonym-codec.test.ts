import { randomUUID } from 'node:crypto';
import { PseudonymCodec } from '../../../src/fhir/release/pseudonym-codec';

const KEY = 'test-key-test-key-test-key-test-key-0001';
const codec = new PseudonymCodec(KEY);
const ID = /^[A-Za-z0-9\-.]{1,64}$/;

describe('PseudonymCodec ids (SIV: deterministic, reversible with the key, authenticated)', () => {
  it('gives a stable, valid R4 id that resolves back to the real id, for UUIDs and other ids', () => {
    for (const real of [randomUUID(), 'p1', 'probe-1', 'a.b-C', 'x'.repeat(38)]) {
      const pseudo = codec.pseudonymId('Patient', real);
      expect(pseudo).toMatch(ID);
      expect(pseudo).not.toContain(real);
      expect(codec.pseudonymId('Patient', real)).toBe(pseudo);
      expect(new PseudonymCodec(KEY).resolveId('Patient', pseudo)).toBe(real);
    }
  });

  it('keeps a UUID pseudonym well under the 64-character limit', () => {
    expect(codec.pseudonymId('Patient', randomUUID()).length).toBeLessThanOrEqual(40);
  });

  it('depends on the key and the resource type', () => {
    const real = randomUUID();
    const other = new PseudonymCodec(`${KEY}-other`);
    expect(other.pseudonymId('Patient', real)).not.toBe(codec.pseudonymId('Patient', real));
    expect(other.resolveId('Patient', codec.pseudonymId('Patient', real))).toBeUndefined();
    expect(codec.pseudonymId('RelatedPerson', real)).not.toBe(codec.pseudonymId('Patient', real));
    expect(codec.resolveId('RelatedPerson', codec.pseudonymId('Patient', real))).toBeUndefined();
  });

  it('does not resolve real ids, forged or altered pseudonyms, or garbage', () => {
    const real = randomUUID();
    const pseudo = codec.pseudonymId('Patient', real);
    expect(codec.resolveId('Patient', real)).toBeUndefined();
    for (let i = 0; i < pseudo.length; i++) {
      const flipped = pseudo.slice(0, i) + (pseudo[i] === 'A' ? 'B' : 'A') + pseudo.slice(i + 1);
      expect(codec.resolveId('Patient', flipped)).toBeUndefined();
    }
    for (const junk of ['', 'a', 'AAAAAAAAAAAAAAAA', '%%%', 'x'.repeat(64), pseudo.slice(0, -2)])
      expect(codec.resolveId('Patient', junk)).toBeUndefined();
  });

  it('gives ids too long to encrypt a stable one-way pseudonym within 64 characters', () => {
    const long = 'y'.repeat(64);
    const pseudo = codec.pseudonymId('Patient', long);
    expect(pseudo).toMatch(ID);
    expect(codec.pseudonymId('Patient', long)).toBe(pseudo);
    expect(codec.resolveId('Patient', pseudo)).toBeUndefined();
  });

  it('is idempotent: a pseudonym stays itself', () => {
    const pseudo = codec.pseudonymId('Patient', randomUUID());
    expect(codec.pseudonymId('Patient', pseudo)).toBe(pseudo);
  });
});

describe('PseudonymCodec identifiers and sealed text', () => {
  it('gives a stable one-way identifier pseudonym that depends on the system and the key', () => {
    const a = codec.identifierPseudonym('http://fhir.nl/fhir/NamingSystem/bsn', '999911120');
    expect(a).toBe(codec.identifierPseudonym('http://fhir.nl/fhir/NamingSystem/bsn', '999911120'));
    expect(a).not.toContain('999911120');
    expect(codec.identifierPseudonym('urn:other', '999911120')).not.toBe(a);
    expect(
      new PseudonymCodec(`${KEY}-x`).identifierPseudonym('http://fhir.nl/fhir/NamingSystem/bsn', '999911120'),
    ).not.toBe(a);
  });

  it('seals text (a cursor) so it can be opened only unaltered', () => {
    const sealed = codec.sealText('{"v":["Patient/123"]}');
    expect(sealed).not.toContain('Patient');
    expect(codec.unsealText(sealed)).toBe('{"v":["Patient/123"]}');
    expect(codec.unsealText(`${sealed.slice(0, -1)}${sealed.endsWith('A') ? 'B' : 'A'}`)).toBeUndefined();
    expect(codec.unsealText('not-sealed')).toBeUndefined();
  });

  it('refuses a short key', () => {
    expect(() => new PseudonymCodec('short')).toThrow(/at least 32/);
  });
});
