import type { FhirRequest, FhirResponse } from '../interactions/fhir-request';
import { admitRequest } from './release-door';
import { releaseError, releaseResponse, type ReleaseContext } from './release-filter';
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
