import type { BundleLink } from '@medplum/fhirtypes';

// Keep the characters FHIR query values use readable in links (they are legal in a query component).
const READABLE: Record<string, string> = { '%7C': '|', '%3A': ':', '%2C': ',', '%2F': '/' };

function encode(text: string): string {
  return encodeURIComponent(text).replace(/%7C|%3A|%2C|%2F/gi, (m) => READABLE[m.toUpperCase()]);
}

/** `[base]/[type]?k=v&…` for the given pairs, in their order. */
export function searchUrl(
  baseUrl: string,
  resourceType: string,
  pairs: ReadonlyArray<[string, string]>,
): string {
  const query = pairs.map(([k, v]) => `${encode(k)}=${encode(v)}`).join('&');
  return `${baseUrl}/${resourceType}${query ? `?${query}` : ''}`;
}

export function link(relation: string, url: string): BundleLink {
  return { relation, url };
}
