import { createCipheriv, createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';

/**
 * Keyed, deterministic pseudonyms (issue 8 §8). Ids use an SIV construction (RFC 5297 in spirit): the tag is an
 * HMAC of the plaintext, and also the AES-CTR counter block, so the same id always gives the same pseudonym, a
 * pseudonym can be turned back into the id at the door without any table, and a forged one fails the tag check.
 * Identifiers (BSN and other person identifiers) get a one-way HMAC: the platform never needs them back.
 */
const ID_TAG_BYTES = 9; // 72 bits against forgery; 9 bytes = 12 characters
const SEAL_TAG_BYTES = 16;
const MAX_ID = 64; // R4 id datatype
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const UUID_PAYLOAD = 1;
const TEXT_PAYLOAD = 2;

/** base64url with '.' for '_': exactly the 64 characters of the R4 id datatype [A-Za-z0-9\-.]. */
const toId = (bytes: Buffer) => bytes.toString('base64url').replace(/_/g, '.');
function fromId(text: string): Buffer | undefined {
  if (!/^[A-Za-z0-9\-.]+$/.test(text)) return undefined;
  const bytes = Buffer.from(text.replace(/\./g, '_'), 'base64url');
  // Only the canonical spelling decodes, so one pseudonym has one spelling.
  return toId(bytes) === text ? bytes : undefined;
}

export class PseudonymCodec {
  private readonly keys: Record<'idMac' | 'idEnc' | 'identifier' | 'sealMac' | 'sealEnc', Buffer>;

  constructor(secret: string) {
    if (secret.length < 32) throw new Error('The pseudonym key must be at least 32 characters');
    const derive = (info: string) =>
      Buffer.from(hkdfSync('sha256', secret, 'meso-fhir pseudonyms', info, 32));
    this.keys = {
      idMac: derive('id-mac'),
      idEnc: derive('id-enc'),
      identifier: derive('identifier'),
      sealMac: derive('seal-mac'),
      sealEnc: derive('seal-enc'),
    };
  }

  /** The pseudonymous id of `resourceType/id`: stable, at most 64 characters, reversible with the key only. */
  pseudonymId(resourceType: string, id: string): string {
    // A UUID (how this server and the generator name resources) is a real id: a pseudonym never has that shape
    // unless a 72-bit tag matched by chance. Skipping the trial opening halves the cost of a platform page.
    const uuid = UUID.test(id);
    if (!uuid && this.isPseudonymId(resourceType, id)) return id;
    const payload = uuid
      ? Buffer.concat([Buffer.from([UUID_PAYLOAD]), Buffer.from(id.replace(/-/g, ''), 'hex')])
      : Buffer.concat([Buffer.from([TEXT_PAYLOAD]), Buffer.from(id, 'utf8')]);
    const sealed = this.seal(`id:${resourceType}`, payload, ID_TAG_BYTES, this.keys.idMac, this.keys.idEnc);
    if (Math.ceil((sealed.length * 4) / 3) <= MAX_ID) return toId(sealed);
    // Ids over 38 characters do not fit reversibly: a stable one-way pseudonym, which the door cannot resolve.
    return toId(this.mac(this.keys.idMac, `long:${resourceType}:${id}`).subarray(0, 45));
  }

  /** The real id behind a pseudonymous id, or undefined when it is not one (forged, real, or of another type). */
  resolveId(resourceType: string, pseudonym: string): string | undefined {
    const bytes = fromId(pseudonym);
    if (!bytes) return undefined;
    const payload = this.open(`id:${resourceType}`, bytes, ID_TAG_BYTES, this.keys.idMac, this.keys.idEnc);
    if (!payload || payload.length < 1) return undefined;
    if (payload[0] === UUID_PAYLOAD && payload.length === 17) {
      const hex = payload.subarray(1).toString('hex');
      return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
    }
    return payload[0] === TEXT_PAYLOAD ? payload.subarray(1).toString('utf8') : undefined;
  }

  isPseudonymId(resourceType: string, text: string): boolean {
    return this.resolveId(resourceType, text) !== undefined;
  }

  /** One-way pseudonym of an identifier value; the original system is part of the input. */
  identifierPseudonym(system: string, value: string): string {
    return toId(this.mac(this.keys.identifier, `${system}|${value}`).subarray(0, 21));
  }

  /** Opaque, authenticated wrapping of a server token (a paging cursor) that may carry real ids. */
  sealText(text: string): string {
    return toId(
      this.seal('text', Buffer.from(text, 'utf8'), SEAL_TAG_BYTES, this.keys.sealMac, this.keys.sealEnc),
    );
  }

  unsealText(sealed: string): string | undefined {
    const bytes = fromId(sealed);
    const opened = bytes && this.open('text', bytes, SEAL_TAG_BYTES, this.keys.sealMac, this.keys.sealEnc);
    return opened?.toString('utf8');
  }

  private mac(key: Buffer, text: string | Buffer, domain = ''): Buffer {
    return createHmac('sha256', key).update(domain).update('\0').update(text).digest();
  }

  private seal(domain: string, payload: Buffer, tagBytes: number, macKey: Buffer, encKey: Buffer): Buffer {
    const tag = this.mac(macKey, payload, domain).subarray(0, tagBytes);
    return Buffer.concat([tag, this.ctr(encKey, tag, payload)]);
  }

  private open(domain: string, bytes: Buffer, tagBytes: number, macKey: Buffer, encKey: Buffer) {
    if (bytes.length <= tagBytes) return undefined;
    const tag = bytes.subarray(0, tagBytes);
    const payload = this.ctr(encKey, tag, bytes.subarray(tagBytes));
    const expected = this.mac(macKey, payload, domain).subarray(0, tagBytes);
    return timingSafeEqual(tag, expected) ? payload : undefined;
  }

  /** AES-256-CTR with the tag as counter block: encryption and decryption are the same operation. */
  private ctr(key: Buffer, tag: Buffer, data: Buffer): Buffer {
    const iv = Buffer.alloc(16);
    tag.copy(iv, 0, 0, Math.min(tag.length, 16));
    const cipher = createCipheriv('aes-256-ctr', key, iv);
    return Buffer.concat([cipher.update(data), cipher.final()]);
  }
}
