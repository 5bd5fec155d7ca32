import type { FhirRequest, FhirResponse } from '../interactions/fhir-request';
import { admitRequest } from './release-door';
import type { Resource } from '@medplum/fhirtypes';
import { releaseError, releaseResource, releaseResponse, type ReleaseContext } from './release-filter';
import { PseudonymCodec } from './pseudonym-codec';

/**
 * The release filter as the executor uses it: one call around every interaction of a pseudonymised caller
 * (REST requests and every Bundle entry alike), so no response, header or error leaves unfiltered.
 */
export class ReleaseGate {
  private readonly codec: PseudonymCodec;

  constructor(pseudonymKey: string) {
    this.codec = new PseudonymCodec(pseudonymKey);
  }

  /** One resource as a pseudonymised caller may see it (for paths outside the executor, e.g. Bulk export). */
  releaseResource<T extends Resource>(resource: T): T {
    return releaseResource(resource, { codec: this.codec, restore: new Map() });
  }

  async around(
    req: FhirRequest,
    run: (admitted: FhirRequest) => Promise<FhirResponse>,
  ): Promise<FhirResponse> {
    const ctx: ReleaseContext = { codec: this.codec, restore: new Map() };
    try {
      return releaseResponse(await run(admitRequest(req, ctx)), ctx);
    } catch (err) {
      throw releaseError(err, ctx);
    }
  }
}
