import { Controller, Get, Inject, OnModuleInit, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { eventsBetween, type EventStore } from '@ledger/event-store';
import { ReadQueries } from '@ledger/read-models';
import type { Response } from 'express';
import { Gauge, Registry } from 'prom-client';
import { Public } from '../auth/public.decorator';
import { EVENT_STORE } from '../platform/tokens';
import { LAG_COUNT_CAP } from '../health/health.controller';

@ApiExcludeController()
@Public()
@Controller('metrics')
export class MetricsController implements OnModuleInit {
  constructor(
    private readonly registry: Registry,
    @Inject(EVENT_STORE) private readonly store: EventStore,
    private readonly queries: ReadQueries,
  ) {}

  onModuleInit(): void {
    const store = this.store;
    const queries = this.queries;
    // Sampled when scraped, so the figures are never stale.
    new Gauge({
      name: 'ledger_store_head_position',
      help: 'position of the last committed event',
      registers: [this.registry],
      async collect() {
        this.set(Number(await store.headPosition()));
      },
    });
    new Gauge({
      name: 'ledger_projector_checkpoint',
      help: 'last position the read models include',
      registers: [this.registry],
      async collect() {
        this.set(Number(await queries.checkpoint()));
      },
    });
    new Gauge({
      name: 'ledger_projector_lag',
      help: `events committed but not yet in the read models (counted up to ${LAG_COUNT_CAP})`,
      registers: [this.registry],
      async collect() {
        const [head, checkpoint] = await Promise.all([store.headPosition(), queries.checkpoint()]);
        this.set(Number(await eventsBetween(store, checkpoint, head, LAG_COUNT_CAP)));
      },
    });
  }

  @Get()
  async metrics(@Res() res: Response): Promise<void> {
    res.setHeader('Content-Type', this.registry.contentType);
    res.send(await this.registry.metrics());
  }
}
