import { Controller, Get, Inject, Res } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { EventStore } from '@ledger/event-store';
import { ReadQueries } from '@ledger/read-models';
import type { Response } from 'express';
import { Public } from '../auth/public.decorator';
import { problem, sendProblem } from '../problem-details/problem-details.filter';
import { EVENT_STORE } from '../platform/tokens';

@ApiTags('operations')
@Public()
@Controller('health')
export class HealthController {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    private readonly queries: ReadQueries,
  ) {}

  @Get('live')
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  /** Ready: the store answers and the projector's lag is known (head vs the read models' checkpoint). */
  @Get('ready')
  async ready(@Res() res: Response): Promise<void> {
    try {
      const [head, checkpoint] = await Promise.all([this.store.headPosition(), this.queries.checkpoint()]);
      res.status(200).json({ status: 'ok', engine: this.store.engine, head: head.toString(), checkpoint: checkpoint.toString(), lag: (head - checkpoint).toString() });
    } catch (e) {
      sendProblem(res, problem(503, 'NOT_READY', `not ready: ${(e as Error).message}`), { 'Retry-After': '1' });
    }
  }
}
