import { notModified, versionResponse } from '../../../src/fhir/interactions/response-headers';
import type { StoredVersion } from '../../../src/store/resource-store';

const version: StoredVersion = {
  resourceType: 'Patient',
  id: 'p1',
  versionId: 3,
  lastUpdated: '2026-01-02T10:00:00.123Z',
  deleted: false,
  method: 'PUT',
  resource: { resourceType: 'Patient', id: 'p1' },
};

describe('response headers', () => {
  it('gives a weak ETag, an HTTP date and a versioned Location', () => {
    const r = versionResponse('http://x/fhir', version, 200, true);
    expect(r.etag).toBe('W/"3"');
    expect(r.lastModified).toBe('Fri, 02 Jan 2026 10:00:00 GMT');
    expect(r.location).toBe('http://x/fhir/Patient/p1/_history/3');
    expect(r.body).toBe(version.resource);
  });

  it('reports not-modified for a matching ETag or an unchanged date', () => {
    expect(notModified(version, 'W/"3"')).toBe(true);
    expect(notModified(version, 'W/"2"')).toBe(false);
    expect(notModified(version, undefined, 'Fri, 02 Jan 2026 10:00:00 GMT')).toBe(true);
    expect(notModified(version, undefined, 'Fri, 02 Jan 2026 09:59:59 GMT')).toBe(false);
    expect(notModified(version)).toBe(false);
  });
});
