import type { Logger } from 'pino';
import type { Resource } from '@medplum/fhirtypes';
import type { Config } from './config';
import type { Database, Queryable } from './store/database';
import type { Caller } from './kernel/caller';
import type { AccessGuard } from './fhir/ports';
import type { BeforeStore, FhirRepository } from './fhir/repository';
import { activateSubscription, subscriptionRules } from './fhir/subscriptions/rules';
import { referralTaskRules } from './fhir/referral/task-workflow';
import { referralIntegrityRules } from './fhir/referral/referral-integrity';
import { defaultConsumers, type AfterCommit } from './jobs/outbox';
import { planNarrativeConsumer } from './jobs/plan-narrative-job';
import type { NotificationDeps } from './jobs/subscription-delivery';
import { startJobs, type Jobs } from './jobs/worker';
import { buildFhirEngine } from './fhir/engine';
import { AccessPolicy } from './security/access-policy';
import { ClientRegistry } from './security/client-registry';
import { AuditTrail } from './audit/audit-trail';

/**
 * Wiring shared by the service (src/server.ts) and the worker (scripts/worker.ts), so that both run the same
 * after-commit jobs and write with the same rules: whichever process consumes a change does the same with it.
 */

/** The write rules beyond validation and access (Subscription checks and activation, the referral workflow and integrity). */
export function writeRules(
  config: Pick<Config, 'subscriptions'>,
  access?: Pick<AccessGuard, 'partyOf'>,
): {
  beforeStore: readonly BeforeStore[];
  normalize: (resource: Resource) => Resource;
} {
  const partyOf = access && ((q: Queryable, caller: Caller) => access.partyOf(q, caller));
  return {
    beforeStore: [
      subscriptionRules(config.subscriptions),
      referralTaskRules(partyOf),
      referralIntegrityRules(),
    ],
    normalize: activateSubscription,
  };
}

export interface BackgroundJobs {
  /** Subscription matching and delivery (rest-hook). */
  notifications: NotificationDeps;
  /** The outbox consumers besides the Subscription one (which startQueue adds with `notifications`). */
  afterCommit: AfterCommit[];
  /** The write path of this process, once its FHIR engine is built; jobs that need it before are retried. */
  bind(repository: FhirRepository): void;
}

export function backgroundJobs(
  db: Database,
  config: Pick<Config, 'subscriptions'>,
  deps: { access?: AccessGuard; callerOf(clientId: string): Promise<Caller | undefined>; logger?: Logger },
): BackgroundJobs {
  const bound: { repository?: FhirRepository } = {};
  const repository = () => bound.repository;
  return {
    notifications: {
      db: db.pool,
      database: db,
      access: deps.access,
      callerOf: deps.callerOf,
      retry: config.subscriptions,
      repository,
      logger: deps.logger,
    },
    afterCommit: [
      ...defaultConsumers(deps.logger),
      planNarrativeConsumer({ db: db.pool, repository, logger: deps.logger }),
    ],
    bind: (r) => {
      bound.repository = r;
    },
  };
}

/**
 * `npm run worker`: the jobs in a process of their own, for a service run with RUN_JOBS=false. It consumes the
 * outbox like a service instance would (Subscription deliveries, the plan narrative refresh, the audit sealer),
 * with its own FHIR engine for the system writes those jobs make (a Subscription in error, a refreshed plan).
 * Migrations must have run.
 */
export async function startWorker(db: Database, config: Config, logger?: Logger): Promise<Jobs> {
  const access = new AccessPolicy();
  const clients = new ClientRegistry(db.pool, config.security);
  const audit = new AuditTrail(db, { serviceId: 'meso-fhir-worker' });
  const callerOf = (clientId: string) => clients.callerOf(clientId);
  const background = backgroundJobs(db, config, { access, callerOf, logger });
  const { notifications, afterCommit } = background;
  const sealIntervalMs = config.auditSealIntervalMs;
  const jobs = await startJobs(db, { sealIntervalMs, logger, notifications, afterCommit });
  try {
    const engine = await buildFhirEngine({
      db,
      config,
      access,
      audit,
      outbox: jobs.outbox,
      ...writeRules(config, access),
    });
    background.bind(engine.executor.repository);
  } catch (err) {
    await jobs.stop();
    throw err;
  }
  return jobs;
}
