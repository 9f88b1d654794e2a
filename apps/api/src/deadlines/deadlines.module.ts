import { Module, type DynamicModule } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { DeadlineWorker, READ_MODELS_DS } from './deadline-worker';

/** The deadline process, started with the API app (LEDGER_DEADLINE_WORKER, LEDGER_DEADLINE_INTERVAL_SECONDS). */
@Module({})
export class DeadlinesModule {
  static forRoot(deps: { readModels: DataSource }): DynamicModule {
    return {
      module: DeadlinesModule,
      providers: [{ provide: READ_MODELS_DS, useValue: deps.readModels }, DeadlineWorker],
      exports: [DeadlineWorker],
    };
  }
}
