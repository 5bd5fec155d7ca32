import type { Bundle, BundleEntry } from '@medplum/fhirtypes';
import type { HistoryPage, StoredVersion } from '../../store/resource-store';

function entryFor(baseUrl: string, v: StoredVersion): BundleEntry {
  const fullUrl = `${baseUrl}/${v.resourceType}/${v.id}`;
  return {
    fullUrl,
    resource: v.resource,
    request: { method: v.method, url: v.method === 'POST' ? v.resourceType : `${v.resourceType}/${v.id}` },
    response: {
      status: v.deleted ? '204 No Content' : v.versionId === 1 ? '201 Created' : '200 OK',
      etag: `W/"${v.versionId}"`,
      lastModified: v.lastUpdated,
    },
  };
}

/**
 * A history Bundle, newest first, with a `next` link that pages by sequence number (in a signed cursor) so
 * concurrent writes do not shift it.
 */
export function historyBundle(
  baseUrl: string,
  path: string,
  query: Array<[string, string]>,
  page: HistoryPage,
  cursorFor: (beforeSeq: number) => string,
): Bundle {
  const self = new URLSearchParams(query);
  const link: Bundle['link'] = [
    { relation: 'self', url: `${baseUrl}/${path}${self.size ? `?${self}` : ''}` },
  ];
  if (page.nextBeforeSeq !== undefined) {
    const next = new URLSearchParams(query.filter(([k]) => k !== '_cursor'));
    next.set('_cursor', cursorFor(page.nextBeforeSeq));
    link.push({ relation: 'next', url: `${baseUrl}/${path}?${next}` });
  }
  return {
    resourceType: 'Bundle',
    type: 'history',
    total: page.total,
    link,
    entry: page.versions.map((v) => entryFor(baseUrl, v)),
  };
}
