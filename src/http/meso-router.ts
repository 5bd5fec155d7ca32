import express, { type Request, type Response } from 'express';
import type { Executor } from '../fhir/interactions/execute';
import type { RequestContext } from '../kernel/request-context';
import { FhirError, issue, operationOutcome } from '../kernel/outcome';
import { decodeBody, parseJson } from '../fhir/rest/content-format';
import { sendError, toFhirError } from '../fhir/rest/error-response';
import {
  importDocument,
  SECTION_MAPPING,
  type DocumentMapping,
  type ImportResult,
} from '../fhir/meso/import';
import { exportDocument } from '../fhir/meso/export';

export interface MesoRouterOptions {
  executor: Executor;
  maxBodyBytes: number;
  maxJsonDepth: number;
  /** Fixed public FHIR base URL; otherwise derived from the request's host. */
  baseUrl?: string;
  /** The path of the FHIR API (Content-Location points into it). */
  fhirPath?: string;
  /** The document mapping; the sections' (src/fhir/meso/mapping.ts) unless a test injects another. */
  mapping?: DocumentMapping;
}

const PATH = '/meso/v1/careplans';

/**
 * The MESO document API (issue 10), behind the same bearer-token authentication as /fhir: POST a MESO care-plan
 * document (application/json) to import it, GET it back by document id. Only the MESO team kind of
 * organisation (and admin) may use it. Every error is an OperationOutcome.
 */
export function mesoRouter(options: MesoRouterOptions): express.Router {
  const router = express.Router();
  const fhirPath = options.fhirPath ?? '/fhir';
  router.use(express.raw({ type: () => true, limit: options.maxBodyBytes }));
  router.post('/careplans', (req, res) =>
    handle(options, req, res, 'POST', async (ctx) => {
      const body = documentBody(req, options);
      const result = await importDocument(
        options.executor.repository,
        ctx,
        body,
        options.mapping ?? SECTION_MAPPING,
      );
      res
        .status(result.status)
        .set('Location', `${PATH}/${encodeURIComponent(result.documentId)}`)
        .set('Content-Location', `${fhirPath}/${result.carePlan}`)
        .type('application/fhir+json; charset=utf-8')
        .send(JSON.stringify(summary(result)));
    }),
  );
  router.get('/careplans/:id', (req, res) =>
    handle(options, req, res, 'GET', async (ctx) => {
      const id = String(req.params.id);
      const result = await exportDocument(
        options.executor.repository,
        ctx,
        id,
        options.mapping ?? SECTION_MAPPING,
      );
      await options.executor.auditRead(ctx, 'read', result.entities);
      res
        .status(200)
        .set('Content-Location', `${fhirPath}/${result.carePlan}`)
        .type('application/json; charset=utf-8')
        .send(JSON.stringify(result.document));
    }),
  );
  router.use((req, res) =>
    sendError(
      res,
      new FhirError(req.path === '/careplans' || req.path.startsWith('/careplans/') ? 405 : 404, [
        issue(
          'not-supported',
          `${req.method} ${req.baseUrl}${req.path} is not supported: use POST ${PATH} or GET ${PATH}/{document id}`,
        ),
      ]),
    ),
  );
  return router;
}

async function handle(
  options: MesoRouterOptions,
  req: Request,
  res: Response,
  method: 'GET' | 'POST',
  fn: (ctx: RequestContext) => Promise<void>,
): Promise<void> {
  const ctx: RequestContext = {
    requestId: res.locals.requestId as string,
    baseUrl: options.baseUrl ?? `${req.protocol}://${req.get('host')}${options.fhirPath ?? '/fhir'}`,
    caller: res.locals.caller,
    logger: res.locals.logger,
  };
  try {
    allowed(ctx);
    await fn(ctx);
  } catch (err) {
    if (res.headersSent) return;
    if (ctx.caller) {
      const error = toFhirError(err);
      const message = `${error.status}: ${error.issues.map((i) => i.diagnostics).join('; ')}`;
      await options.executor
        .auditFailure(ctx, { method, kind: 'operation', resourceType: 'CarePlan' }, message)
        .catch((e) => res.locals.logger?.error({ err: e }, 'audit of a failed request failed'));
    }
    sendError(res, err, 'json', res.locals.logger);
  }
}

/** The MESO team's own systems (and admin) deliver and fetch documents; a GP or VVT system pulls FHIR instead. */
function allowed(ctx: RequestContext): void {
  const kind = ctx.caller?.organization.kind;
  if (!ctx.caller || kind === 'meso-team' || kind === 'admin') return;
  throw new FhirError(403, [
    issue(
      'forbidden',
      `MESO documents are delivered and fetched by MESO teams only; an organisation of kind "${kind}" reads ` +
        'the plan as FHIR instead (GET /fhir/CarePlan?patient=…)',
    ),
  ]);
}

/** The body as a JSON value: Content-Type application/json (or a +json type), UTF-8, within the limits. */
function documentBody(req: Request, options: MesoRouterOptions): unknown {
  const contentType = req.get('content-type') ?? '';
  if (!/^application\/([\w.-]+\+)?json\s*(;|$)/i.test(contentType))
    throw new FhirError(415, [
      issue(
        'not-supported',
        `Content-Type "${contentType}" is not supported; send the MESO document as application/json`,
      ),
    ]);
  const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
  if (raw.length === 0)
    throw new FhirError(400, [issue('required', 'The body is empty; send a MESO care-plan document')]);
  return parseJson(decodeBody(raw, contentType), options.maxJsonDepth);
}

/** The answer to a POST: what happened, in Dutch and English, and where the plan is. */
export function summary(r: ImportResult) {
  const counts =
    `aangemaakt ${r.created}, bijgewerkt ${r.updated}, beëindigd ${r.ended}, ongewijzigd ${r.unchanged} ` +
    `(created ${r.created}, updated ${r.updated}, ended ${r.ended}, unchanged ${r.unchanged})`;
  const what = r.alreadyImported
    ? `Document ${r.documentId} versie ${r.version} was al verwerkt: niets gewijzigd ` +
      `(version ${r.version} was imported before: nothing changed)`
    : r.status === 201
      ? `Document ${r.documentId} versie ${r.version} aangemaakt (created)`
      : `Document ${r.documentId} versie ${r.version} verwerkt (updated)`;
  const issues = [issue('informational', `${what}; ${counts}; ${r.carePlan}`, undefined, 'information')];
  for (const ref of r.kept)
    issues.push(
      issue(
        'informational',
        `${ref} verschilt van het document maar is niet van deze organisatie: ongewijzigd gelaten ` +
          `(differs from the document but belongs to another organisation: kept as stored)`,
        undefined,
        'information',
      ),
    );
  return operationOutcome(issues);
}
