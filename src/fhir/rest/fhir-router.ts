import express, { type Request, type Response, type NextFunction } from 'express';
import type { Logger } from 'pino';
import type { Provenance, Resource } from '@medplum/fhirtypes';
import type { Executor } from '../interactions/execute';
import { routeFor, type FhirRequest, type FhirResponse } from '../interactions/fhir-request';
import type { RequestContext } from '../../kernel/request-context';
import { badRequest, FhirError, issue } from '../../kernel/outcome';
import {
  contentTypeFor,
  decodeBody,
  parseBody,
  parseJson,
  requestFormat,
  responseFormat,
  serialize,
  type Format,
} from './content-format';
import { parsePrefer } from './prefer-header';
import { forbiddenCharacter } from '../../kernel/unicode';
import { sendError, toFhirError } from './error-response';

export interface FhirRouterOptions {
  executor: Executor;
  maxBodyBytes: number;
  maxJsonDepth: number;
  /** Fixed public base URL; otherwise derived from the request's host. */
  baseUrl?: string;
}

/** Translates HTTP to FhirRequests and FhirResponses back to HTTP; no FHIR logic lives here. */
export function fhirRouter(options: FhirRouterOptions): express.Router {
  const router = express.Router();
  router.use(express.raw({ type: () => true, limit: options.maxBodyBytes }));
  router.use(async (req: Request, res: Response, next: NextFunction) => {
    let format: Format = 'json';
    const ctx = requestContext(req, res, options.baseUrl);
    try {
      format = responseFormat(queryValue(req, '_format'), req.get('accept'));
      ctx.provenance = provenanceHeader(req.get('x-provenance'));
      const response = await options.executor.execute(ctx, toFhirRequest(req, options));
      send(res, response, format, queryValue(req, '_pretty') === 'true');
    } catch (err) {
      if (res.headersSent) return next(err);
      await auditFailure(options.executor, ctx, req, err, res.locals.logger);
      sendError(res, err, format, res.locals.logger);
    }
  });
  return router;
}

/** X-Provenance: a Provenance resource as JSON; its target and recorded are set by the server. */
function provenanceHeader(value: string | undefined): Provenance | undefined {
  if (value === undefined) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    parsed = undefined;
  }
  const resourceType = (parsed as { resourceType?: unknown } | undefined)?.resourceType;
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed) || resourceType !== 'Provenance')
    throw badRequest(
      'The X-Provenance header must hold one Provenance resource as JSON (e.g. {"resourceType":"Provenance","reason":[…]}); leave it out to let the server record the write',
      'X-Provenance',
    );
  return parsed as Provenance;
}

export function baseUrlOf(req: Request, configured?: string): string {
  return configured ?? `${req.protocol}://${req.get('host')}${req.baseUrl}`;
}

function requestContext(req: Request, res: Response, configured?: string): RequestContext {
  return {
    requestId: res.locals.requestId as string,
    baseUrl: baseUrlOf(req, configured),
    caller: res.locals.caller,
    logger: res.locals.logger,
  };
}

/** Refusals and failed interactions of an authenticated caller are logged too; logging must not mask the error. */
async function auditFailure(
  executor: Executor,
  ctx: RequestContext,
  req: Request,
  err: unknown,
  logger?: Logger,
): Promise<void> {
  if (!ctx.caller) return;
  const error = toFhirError(err);
  let route: Partial<ReturnType<typeof routeFor>> = {};
  try {
    route = routeFor(req.method, req.path);
  } catch {
    // The path itself was invalid; log the attempt without a resource.
  }
  const message = `${error.status}: ${error.issues.map((i) => i.diagnostics).join('; ')}`;
  await executor
    .auditFailure(
      ctx,
      { method: req.method, kind: route.kind ?? 'read', resourceType: route.resourceType, id: route.id },
      message,
    )
    .catch((e) => logger?.error({ err: e }, 'audit of a failed request failed'));
}

function queryPairs(req: Request): Array<[string, string]> {
  const raw = req.originalUrl.includes('?') ? req.originalUrl.slice(req.originalUrl.indexOf('?') + 1) : '';
  return [...new URLSearchParams(raw)];
}

function queryValue(req: Request, key: string): string | undefined {
  return queryPairs(req).find(([k]) => k === key)?.[1];
}

function toFhirRequest(req: Request, options: FhirRouterOptions): FhirRequest {
  const route = routeFor(req.method, req.path);
  const prefer = parsePrefer(req.get('prefer'));
  const query = queryPairs(req);
  const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
  let body: Resource | undefined;
  let patch: unknown;
  if (route.kind === 'patch') {
    patch = patchBody(raw, req.get('content-type'), options.maxJsonDepth);
  } else if (route.kind === 'search-type' && req.method === 'POST') {
    // R4 search.html#Introduction: POST _search carries the parameters form-encoded in the body.
    if (!/^application\/x-www-form-urlencoded/i.test(req.get('content-type') ?? '')) {
      throw badRequest('POST _search needs Content-Type application/x-www-form-urlencoded');
    }
    query.push(...new URLSearchParams(decodeBody(raw, req.get('content-type'))));
  } else if (raw.length > 0 && (req.method === 'POST' || req.method === 'PUT')) {
    const contentType = req.get('content-type');
    const format = requestFormat(contentType);
    body = parseBody(decodeBody(raw, contentType), format, options.maxJsonDepth);
  }
  // After POST _search has added its form parameters: they reach the database just the same.
  rejectUnholdableCharacters(query);
  return {
    ...route,
    method: req.method,
    query,
    body,
    patch,
    ifMatch: req.get('if-match'),
    ifNoneExist: req.get('if-none-exist'),
    ifNoneMatch: req.get('if-none-match'),
    ifModifiedSince: req.get('if-modified-since'),
    preferReturn: prefer.return,
    lenient: prefer.lenient,
  };
}

/** PATCH takes a JSON Patch (RFC 6902) only: FHIRPath Patch (Parameters) and XML Patch are 415. */
function patchBody(raw: Buffer, contentType: string | undefined, maxDepth: number): unknown {
  if (!/^application\/json-patch\+json\s*(;|$)/i.test(contentType ?? ''))
    throw new FhirError(415, [
      issue(
        'not-supported',
        `PATCH needs Content-Type application/json-patch+json (a JSON Patch), not ${contentType ?? 'none'}`,
        'Content-Type',
      ),
    ]);
  if (raw.length === 0) throw badRequest('The PATCH body is empty: send a JSON Patch array of operations');
  return parseJson(decodeBody(raw, contentType), maxDepth);
}

/**
 * NUL cannot reach PostgreSQL, and no control character (nor U+FFFE/U+FFFF) can be echoed in an XML
 * OperationOutcome: a search parameter holding one is a 400, as FHIR strings cannot hold them either.
 */
function rejectUnholdableCharacters(query: ReadonlyArray<[string, string]>): void {
  for (const [key, value] of query) {
    const code = forbiddenCharacter(key) ?? forbiddenCharacter(value);
    if (!code) continue;
    const name = [...key].filter((c) => !forbiddenCharacter(c)).join('');
    const what = code === 'U+0000' ? 'a NUL character (%00)' : `the character ${code}`;
    throw badRequest(`The search parameter "${name}" contains ${what}, which FHIR strings cannot hold`, name);
  }
}

function send(res: Response, response: FhirResponse, format: Format, pretty: boolean): void {
  if (response.etag) res.set('ETag', response.etag);
  if (response.lastModified) res.set('Last-Modified', response.lastModified);
  if (response.location) res.set('Location', response.location);
  res.status(response.status);
  if (!response.body || response.status === 304 || response.status === 204) {
    res.end();
    return;
  }
  res.type(contentTypeFor(format)).send(serialize(response.body, format, pretty));
}
