import type { StoredVersion } from '../../store/resource-store';
import type { FhirResponse } from './fhir-request';

/** Status plus ETag, Last-Modified and Location for one stored version (R4 http.html#versioning). */
export function versionResponse(
  baseUrl: string,
  version: StoredVersion,
  status: number,
  withBody: boolean,
): FhirResponse {
  return {
    status,
    body: withBody ? version.resource : undefined,
    etag: `W/"${version.versionId}"`,
    lastModified: new Date(version.lastUpdated).toUTCString(),
    location: `${baseUrl}/${version.resourceType}/${version.id}/_history/${version.versionId}`,
  };
}

/** R4 http.html#cread: If-None-Match / If-Modified-Since on a read give 304 when nothing changed. */
export function notModified(version: StoredVersion, ifNoneMatch?: string, ifModifiedSince?: string): boolean {
  if (ifNoneMatch !== undefined) {
    const tags = ifNoneMatch.split(',').map((t) => t.trim().replace(/^W\//, '').replace(/"/g, ''));
    return tags.includes(String(version.versionId)) || tags.includes('*');
  }
  if (ifModifiedSince !== undefined) {
    const since = Date.parse(ifModifiedSince);
    // HTTP dates have second precision; compare at that precision.
    return !Number.isNaN(since) && Math.floor(Date.parse(version.lastUpdated) / 1000) * 1000 <= since;
  }
  return false;
}
