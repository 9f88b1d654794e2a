import { Inject, Injectable, Module, ValidationPipe, type DynamicModule, type OnApplicationShutdown, type Provider } from '@nestjs/common';
import { APP_FILTER, APP_GUARD, APP_INTERCEPTOR, APP_PIPE } from '@nestjs/core';
import { CqrsModule } from '@nestjs/cqrs';
import type { EventStore } from '@ledger/event-store';
import { ReadQueries } from '@ledger/read-models';
import { CommandLoop, Facts } from '@ledger/application';
import type { Clock, LedgerConfig } from '@ledger/platform';
import { Registry } from 'prom-client';
import type { DataSource } from 'typeorm';
import { AccessAudit } from '@ledger/integrity';
import { AccessAuditModule } from './access-audit/access-audit.module';
import { AuditAdminConfinementGuard } from './access-audit/audit-admin.guard';
import { AuditModule } from './audit/audit.module';
import { EvidenceModule } from './evidence/evidence.module';
import { IntegrityState } from './audit/integrity-state';
import { TamperGuard } from './audit/tamper.guard';
import { AuthGuard } from './auth/auth.guard';
import { CommandMetrics } from './command-path/command-metrics';
import { DeadlinesModule } from './deadlines/deadlines.module';
import { NotificationsModule } from './notifications/notifications.module';
import { StarRatingModule } from './star-rating/star-rating.module';
import { COMMAND_CONTROLLERS, COMMAND_HANDLERS } from './commands';
import { HealthController } from './health/health.controller';
import { IdempotencyInterceptor } from './idempotency/idempotency.interceptor';
import { AccessAheadInterceptor } from './access-audit/access-ahead';
import { IdempotencyStore } from './idempotency/idempotency.store';
import { MetricsController } from './metrics/metrics.controller';
import { CLOCK, DEMO_MODE, EVENT_STORE, JWT_SECRET, LEDGER_CONFIG } from './platform/tokens';
import { ProblemDetailsFilter } from './problem-details/problem-details.filter';
import { validationProblemFactory } from '@ledger/contracts';
import { QueriesModule } from './queries/queries.module';
import { InspectionModule } from './inspection/inspection.module';
import { ImportSheetModule } from './sheets/import-sheet/import-sheet.module';
import { WebModule } from './web/web.module';
import { BulletinsModule } from './bulletins/bulletins.module';

/** Everything the app runs on, opened by createApp (or handed in by a test). */
export interface AppDependencies {
  config: LedgerConfig;
  clock: Clock;
  store: EventStore;
  readModels: DataSource;
  queries: ReadQueries;
  idempotency: IdempotencyStore;
  /** The access audit trail's recorder (who looked at what): the middleware and any route record through it. */
  accessAudit: AccessAudit;
  jwtSecret: string;
  registry: Registry;
  /** Started with --demo (createApp's `demo`): serves GET /api/v1/demo/users. */
  demo?: boolean;
  /** Closes what createApp opened itself, newest first; run when the app closes. */
  release: () => Promise<void>;
}

const RELEASE = Symbol('RELEASE');

/** Nest's app object is a Proxy (its methods cannot be wrapped): resources are released by this hook. */
@Injectable()
class ResourceCloser implements OnApplicationShutdown {
  constructor(@Inject(RELEASE) private readonly release: () => Promise<void>) {}
  onApplicationShutdown(): Promise<void> {
    return this.release();
  }
}

/** Shared by the command side and QueriesModule: global, so the query routes can inject them too. */
@Module({})
export class LedgerPlatformModule {
  static forRoot(deps: AppDependencies): DynamicModule {
    const providers: Provider[] = [
      { provide: LEDGER_CONFIG, useValue: deps.config },
      { provide: CLOCK, useValue: deps.clock },
      { provide: EVENT_STORE, useValue: deps.store },
      { provide: JWT_SECRET, useValue: deps.jwtSecret },
      { provide: ReadQueries, useValue: deps.queries },
      { provide: IdempotencyStore, useValue: deps.idempotency },
      { provide: AccessAudit, useValue: deps.accessAudit },
      { provide: Registry, useValue: deps.registry },
      { provide: DEMO_MODE, useValue: deps.demo === true },
      { provide: IntegrityState, useValue: new IntegrityState(deps.config.onTamper) },
      CommandMetrics,
      {
        provide: CommandLoop,
        useFactory: (integrity: IntegrityState, metrics: CommandMetrics) =>
          new CommandLoop(deps.store, deps.clock, {
            keptStreams: deps.config.commandCacheStreams,
            writeRefusal: integrity.writeRefusal.bind(integrity),
            observe: metrics.record.bind(metrics),
          }),
        inject: [IntegrityState, CommandMetrics],
      },
      { provide: Facts, useFactory: (loop: CommandLoop) => new Facts(loop, deps.queries), inject: [CommandLoop] },
    ];
    return { module: LedgerPlatformModule, global: true, providers, exports: providers.map((p) => ('provide' in p ? p.provide : p)) };
  }
}

@Module({})
export class AppModule {
  static forRoot(deps: AppDependencies): DynamicModule {
    return {
      module: AppModule,
      imports: [
        LedgerPlatformModule.forRoot(deps),
        CqrsModule.forRoot(),
        QueriesModule,
        InspectionModule,
        ImportSheetModule,
        WebModule,
        DeadlinesModule.forRoot(deps),
        NotificationsModule.forRoot(deps),
        StarRatingModule.forRoot(deps),
        AuditModule,
        AccessAuditModule,
        EvidenceModule,
        BulletinsModule,
      ],
      controllers: [HealthController, MetricsController, ...COMMAND_CONTROLLERS],
      providers: [
        ...COMMAND_HANDLERS,
        { provide: RELEASE, useValue: deps.release },
        ResourceCloser,
        { provide: APP_GUARD, useClass: AuthGuard },
        { provide: APP_GUARD, useClass: TamperGuard },
        { provide: APP_GUARD, useClass: AuditAdminConfinementGuard },
        { provide: APP_FILTER, useClass: ProblemDetailsFilter },
        {
          provide: APP_PIPE,
          useValue: new ValidationPipe({
            whitelist: true,
            forbidNonWhitelisted: true,
            transform: true,
            // Route params and queries stay strings unless a DTO says otherwise.
            transformOptions: { enableImplicitConversion: false },
            exceptionFactory: validationProblemFactory,
          }),
        },
        // First: every handler's request can have its access entry written before it acts (recordAccessAhead).
        { provide: APP_INTERCEPTOR, useClass: AccessAheadInterceptor },
        { provide: APP_INTERCEPTOR, useFactory: (s: IdempotencyStore, c: Clock) => new IdempotencyInterceptor(s, c), inject: [IdempotencyStore, CLOCK] },
      ],
    };
  }
}
