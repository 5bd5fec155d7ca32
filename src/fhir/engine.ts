import { createHash } from 'node:crypto';
import type { Resource } from '@medplum/fhirtypes';
import type { Config } from '../config';
import type { Database } from '../store/database';
import { serverSecret } from '../store/server-secret';
import { projectPath } from '../project-root';
import type { AccessGuard, AuditReader, AuditSink, Outbox } from './ports';
import { FhirRepository, type BeforeStore, type ConformanceCheck } from './repository';
import { Executor, type OperationHandler } from './interactions/execute';
import { createBundleProcessor } from './interactions/bundle-processor';
import { buildCapabilityStatement } from './capability-statement';
import { createConformanceCheck, loadClaimedProfiles, loadDefaultProfiles } from './conformance';
import { validateOperation } from './operations/validate';
import { everythingOperation } from './operations/everything';
import { documentOperation } from './operations/document';
import { ResourceValidator } from './validation/validator';
import { checkBusinessRules } from './validation/business-rules';
import { findMatches, search, supportedIncludes, supportedSearchParams } from './search/search';
import { indexResource, removeIndexes, storeIndexes } from './search/indexer';
import { withNarrative } from './narrative/narrative';
import { withPlanSummary } from './careplan/plan-summary';
import { requiresProvenance, writeProvenance } from './careplan/plan-provenance';
import { referralEffects } from './referral/referral-effects';
import { ReleaseGate } from './release/release-gate';

export interface FhirEngine {
  executor: Executor;
  conformance: ConformanceCheck;
}

// eslint-disable-next-line @typescript-eslint/no-require-imports -- package.json is outside rootDir's JSON imports
const { version } = require(projectPath('package.json')) as { version: string };

/** CURSOR_SECRET when configured, else the random secret every instance on this database shares. */
async function cursorKey(db: Database, configured?: string): Promise<Buffer> {
  if (configured) return createHash('sha256').update(configured).digest();
  return serverSecret(db.pool, 'cursor');
}

/** Builds the FHIR layer: validator, repository (the write path), operations and the interaction executor. */
export async function buildFhirEngine(deps: {
  db: Database;
  config: Pick<
    Config,
    'baseUrl' | 'defaultCount' | 'maxCount' | 'maxBundleEntries' | 'pseudonymKey' | 'cursorSecret'
  > &
    Partial<Pick<Config, 'enforceReferentialIntegrity'>>;
  access?: AccessGuard;
  audit?: AuditSink;
  auditReader?: AuditReader;
  /** Committed changes for the afterCommit consumers (the job queue's outbox); absent: none are published. */
  outbox?: Outbox;
  /** Rules on a change with its previous version (Task state machine, immutable fields), in the transaction. */
  beforeStore?: readonly BeforeStore[];
  /** Server-set content before validation (a requested Subscription becomes active). */
  normalize?: (resource: Resource) => Resource;
  /** The security layer's public origin (absent: from the request) and CORS origins, for the CapabilityStatement. */
  smart?: { publicUrl?: string; corsOrigins: readonly string[] };
}): Promise<FhirEngine> {
  const validator = await ResourceValidator.load();
  const defaultProfiles = loadDefaultProfiles();
  const conformance = createConformanceCheck(validator, checkBusinessRules, defaultProfiles);
  const repository = new FhirRepository({
    db: deps.db,
    index: { indexResource, storeIndexes, removeIndexes, findMatches },
    conformance,
    access: deps.access,
    audit: deps.audit,
    outbox: deps.outbox,
    beforeStore: deps.beforeStore,
    followUp: referralEffects,
    normalize: deps.normalize,
    narrative: withNarrative,
    derive: withPlanSummary,
    provenance: { required: requiresProvenance, build: writeProvenance },
    referentialIntegrity: deps.config.enforceReferentialIntegrity ?? true,
  });
  const operations = new Map<string, OperationHandler>([
    ['validate', validateOperation(conformance)],
    ['everything', everythingOperation()],
    ['document', documentOperation(conformance)],
  ]);
  const profiles = loadClaimedProfiles(defaultProfiles);
  const statementFor = (origin: string) =>
    buildCapabilityStatement({
      baseUrl: deps.config.baseUrl,
      version,
      searchParams: supportedSearchParams,
      includes: supportedIncludes,
      profiles,
      operations,
      tokenUrl: deps.access ? `${origin}/auth/token` : undefined,
      cors: (deps.smart?.corsOrigins.length ?? 0) > 0,
    });
  // Without a configured public origin the token URL follows the request (development only, as for tokens).
  const fixed = deps.smart?.publicUrl ? statementFor(deps.smart.publicUrl) : undefined;
  const executor = new Executor({
    repository,
    search,
    capabilityStatement: (ctx) => fixed ?? statementFor(new URL(ctx.baseUrl).origin),
    operations,
    bundles: createBundleProcessor({ maxEntries: deps.config.maxBundleEntries }),
    access: deps.access,
    audit: deps.audit,
    auditReader: deps.auditReader,
    paging: {
      defaultCount: deps.config.defaultCount,
      maxCount: deps.config.maxCount,
      cursorKey: await cursorKey(deps.db, deps.config.cursorSecret),
    },
    release: new ReleaseGate(deps.config.pseudonymKey),
  });
  return { executor, conformance };
}
