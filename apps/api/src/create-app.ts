import 'reflect-metadata';
import { RequestMethod, type INestApplication, type LoggerService, type LogLevel } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import type { EventStore } from '@ledger/event-store';
import { ensureDatabaseFile, openEventStore, resolveJwtSecret, systemClock, type Clock, type LedgerConfig } from '@ledger/platform';
import { READ_MODEL_CACHE_KIB, ReadQueries, openReadModels, startProjector, type RunningProjector } from '@ledger/read-models';
import type { NextFunction, Request, Response } from 'express';
import { Registry, collectDefaultMetrics } from 'prom-client';
import type { DataSource } from 'typeorm';
import { AccessAudit, accessAuditLocation, openAccessAuditStore } from '@ledger/integrity';
import { accessAuditMiddleware } from './access-audit/access-audit.middleware';
import { AppModule } from './app.module';
import { DeadlineWorker, type DeadlineRunResult } from './deadlines/deadline-worker';
import { IdempotencyStore } from './idempotency/idempotency.store';
import { httpMetricsMiddleware } from './metrics/http-metrics';
import { BodyRefusedError, MAX_JSON_DEPTH, findLoneSurrogate, jsonNestsDeeperThan, unsupportedContentEncoding } from './problem-details/body-guards';
import { ProblemDetailsFilter, logServerError, problem, sendProblem } from './problem-details/problem-details.filter';
import { requestLog } from './problem-details/request-log';
import { securityHeaders } from './web/security-headers';

export interface CreateAppOptions {
  config: LedgerConfig;
  clock?: Clock;
  /** An open store to use (tests, demo); otherwise the configured engine is opened (and closed with the app). */
  store?: EventStore;
  /** An open read-model DataSource to use; otherwise openReadModels(config). */
  readModels?: DataSource;
  logger?: LoggerService | LogLevel[] | false;
  /**
   * Run the projector inside this process (tests, the demo). `ledger start` runs it as its own
   * process instead. It gets a DataSource of its own, as startProjector asks.
   */
  projector?: boolean;
  /** Default process metrics (CPU, memory) in /metrics; off in tests, where several apps share a process. */
  defaultMetrics?: boolean;
  /**
   * The process runs the demo (`ledger start --demo`): serve the demo county's sign-in list, tokens
   * included, without a token. Never inferred from the data folder.
   */
  demo?: boolean;
}

/** Largest JSON body accepted; more is a 413 before anything is parsed. */
export const MAX_BODY_BYTES = 1024 * 1024;

/**
 * The configured Nest app — used by main.ts, `ledger start` and the supertest suites. It owns (and
 * closes on app.close()) whatever it opened itself.
 */
export type LedgerApp = INestApplication;

// Nest's app is a Proxy that refuses new properties: the in-process projector is kept beside it.
const projectors = new WeakMap<INestApplication, RunningProjector>();
/** The projector createApp started in-process ({ projector: true }), if any. */
export function inProcessProjector(app: INestApplication): RunningProjector | undefined {
  return projectors.get(app);
}

/**
 * The deadline process of the app createApp started, run for one county day (`ledger demo` moves its clock
 * day by day): the worker is the app's own, its timers and lifecycle Nest's, so the launcher asks the app for it.
 */
export function deadlineRun(app: INestApplication): (today?: string) => Promise<DeadlineRunResult> {
  const worker = app.get(DeadlineWorker);
  return (today) => worker.runOnce(today);
}

/** The sign-in list GET /demo/users serves, written by the demo loader beside the app it started. */
export { writeDemoUsers } from './web/demo-users.controller';

export async function createApp(options: CreateAppOptions): Promise<LedgerApp> {
  const { config } = options;
  const clock = options.clock ?? systemClock;
  const owned: Array<() => Promise<void>> = [];
  try {
    const store = options.store ?? (await openEventStore(config, { clock }));
    if (!options.store) owned.push(() => store.close());
    const readModels = options.readModels ?? (await openReadModels(config, { cacheKib: READ_MODEL_CACHE_KIB.reader }));
    if (!options.readModels) owned.push(() => readModels.destroy());
    const idempotency = await IdempotencyStore.open(config);
    owned.push(() => idempotency.close());
    const auditAt = accessAuditLocation(config);
    if (auditAt.kind === 'sqlite') ensureDatabaseFile(auditAt.file);
    const accessAudit = new AccessAudit(await openAccessAuditStore(config), clock, config.auditRetentionDays);
    owned.push(() => accessAudit.close());
    owned.push(scheduleAccessAuditPruning(accessAudit));
    let projector: RunningProjector | null = null;
    if (options.projector) {
      const projectorDs = await openReadModels(config);
      owned.push(() => projectorDs.destroy());
      projector = await startProjector(projectorDs, store);
      owned.push(() => projector!.stop());
    }
    const registry = new Registry();
    if (options.defaultMetrics) collectDefaultMetrics({ register: registry });

    const app = await NestFactory.create<NestExpressApplication>(
      AppModule.forRoot({
        config,
        clock,
        store,
        readModels,
        queries: new ReadQueries(readModels, config),
        idempotency,
        accessAudit,
        jwtSecret: resolveJwtSecret(config),
        registry,
        demo: options.demo === true,
        release: () => releaseAll(owned),
      }),
      { bodyParser: false, logger: options.logger ?? ['error', 'warn'], abortOnError: false },
    );
    app.disable('x-powered-by');
    // Who is at the other end, for the access audit: behind a load balancer, what it forwards (LEDGER_TRUST_PROXY).
    if (config.trustProxy) app.set('trust proxy', config.trustProxy);
    // First: every answer, whoever writes it (a route, the guard's refusal, a body check), passes it.
    app.use(accessAuditMiddleware(accessAudit));
    app.use(requestLog());
    app.use(securityHeaders());
    app.use(httpMetricsMiddleware(registry));
    app.use(refuseEncodedBodies());
    app.use(jsonBody(app));
    app.setGlobalPrefix('api/v1', {
      exclude: [
        { path: 'health/live', method: RequestMethod.GET },
        { path: 'health/ready', method: RequestMethod.GET },
        { path: 'metrics', method: RequestMethod.GET },
      ],
    });
    // Named: without a list NestJS also stops on SIGUSR2, the signal `node --heapsnapshot-signal` answers
    // with a heap snapshot of a running API (and on SIGQUIT, SIGABRT, … which are not requests to stop).
    app.enableShutdownHooks(['SIGTERM', 'SIGINT', 'SIGHUP']);
    setUpOpenApi(app);
    if (projector) projectors.set(app, projector);
    return app;
  } catch (e) {
    await releaseAll(owned);
    throw e;
  }
}

/** Retention (LEDGER_AUDIT_RETENTION_DAYS): a prune at start, then daily; returns the release. */
function scheduleAccessAuditPruning(audit: AccessAudit): () => Promise<void> {
  const prune = () =>
    audit.prune().catch((e: unknown) => process.stderr.write(`access audit: retention pruning failed (it is retried tomorrow): ${(e as Error).message}\n`));
  const first = prune();
  const timer = setInterval(() => void prune(), 86_400_000);
  timer.unref();
  return async () => {
    clearInterval(timer);
    await first;
  };
}

async function releaseAll(owned: Array<() => Promise<void>>): Promise<void> {
  // Newest first (the projector before its DataSource and the store); each at most once.
  for (const release of owned.splice(0).reverse()) await release().catch(() => undefined);
}

/**
 * A body under any Content-Encoding but identity: 415 (RFC 7694, with Accept-Encoding), before any
 * parser (JSON or multipart) reads it. Clients send small bodies; none needs compression.
 */
function refuseEncodedBodies() {
  return (req: Request, res: Response, next: NextFunction): void => {
    const coding = unsupportedContentEncoding(req.headers['content-encoding']);
    if (coding === null) return next();
    sendProblem(res, problem(415, 'UNSUPPORTED_CONTENT_ENCODING', `Content-Encoding ${coding} is not accepted: send the body unencoded`), {
      'Accept-Encoding': 'identity',
    });
  };
}

/**
 * JSON bodies, capped at MAX_BODY_BYTES and MAX_JSON_DEPTH (counted before parsing), and refused when
 * a string holds a lone surrogate (no UTF-8 view or export could show it as the history keeps it).
 * Parse errors are answered here as problem details, since they happen before Nest's routing (and
 * its exception filter) sees the request.
 */
function jsonBody(app: NestExpressApplication) {
  const filter = new ProblemDetailsFilter();
  // body-parser comes with @nestjs/platform-express; we reach it through Express' own export.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const express = require('express') as typeof import('express');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const iconv = require('iconv-lite') as typeof import('iconv-lite');
  const parse = express.json({
    limit: MAX_BODY_BYTES,
    strict: true,
    type: ['application/json', 'application/*+json'],
    verify: (_req, _res, buf, encoding) => {
      const utf8 = encoding === 'utf-8' || encoding === 'utf8' ? buf : Buffer.from(iconv.decode(buf as Buffer, encoding), 'utf8');
      if (jsonNestsDeeperThan(utf8, MAX_JSON_DEPTH)) {
        throw new BodyRefusedError(400, 'entity.too.deep', `the JSON body nests deeper than ${MAX_JSON_DEPTH} levels`);
      }
    },
  });
  void app;
  return (req: Request, res: Response, next: NextFunction): void => {
    parse(req, res, (err?: unknown) => {
      if (err) {
        const { problem: p, headers } = filter.toProblem(err);
        logServerError(req, res, p.status, err);
        return sendProblem(res, p, headers);
      }
      // A command body is an object: an array or a bare value is a client error, not a crash later on.
      if (req.body !== undefined && (typeof req.body !== 'object' || req.body === null || Array.isArray(req.body))) {
        return sendProblem(res, problem(400, 'BODY_NOT_AN_OBJECT', 'the request body must be a JSON object'));
      }
      const at = req.body === undefined ? null : findLoneSurrogate(req.body);
      if (at !== null) {
        return sendProblem(
          res,
          problem(400, 'INVALID_UNICODE', `${at}: a lone surrogate (e.g. \\ud800 without its pair) is not text; send well-formed Unicode`, { field: at }),
        );
      }
      next();
    });
  };
}

function setUpOpenApi(app: INestApplication): void {
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('县域责任清单台账 Accountability ledger')
      .setDescription('定责 → 履责 → 督责 → 追责, 清单销号. Commands and queries under /api/v1; errors are RFC 9457 problem details.')
      .setVersion('1')
      .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' })
      .addSecurityRequirements('bearer')
      .build(),
  );
  SwaggerModule.setup('api/docs', app, document, { jsonDocumentUrl: 'api/docs-json' });
}
