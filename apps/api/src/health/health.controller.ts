import { Controller, Get, Inject, Optional, Res } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { eventsBetween, type EventStore } from '@ledger/event-store';
import { ReadQueries } from '@ledger/read-models';
import type { LedgerConfig } from '@ledger/platform';
import type { Response } from 'express';
import { IntegrityState } from '../audit/integrity-state';
import { Public } from '../auth/public.decorator';
import { problem, sendProblem } from '../problem-details/problem-details.filter';
import { EVENT_STORE, LEDGER_CONFIG } from '../platform/tokens';
import { ProjectorWatch } from './projector-watch';

/** Lag is counted up to this many events (EventStoreDB counts by reading `$all`): a lag reported as this is at least this. */
export const LAG_COUNT_CAP = 100_000;

/** How long a probe waits for the start's integrity check before it answers 503 (checking). */
const START_CHECK_WAIT_MS = 5000;

@ApiTags('operations')
@Public()
@Controller('health')
export class HealthController {
  private readonly projector: ProjectorWatch;

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    private readonly queries: ReadQueries,
    @Inject(LEDGER_CONFIG) config: LedgerConfig,
    @Optional() private readonly integrity?: IntegrityState,
  ) {
    this.projector = new ProjectorWatch(queries.dataSource, config);
  }

  @Get('live')
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  /**
   * Ready: the store answers, the chain from the newest seal to the head holds (checked at start and
   * as the log grows), and a projector follows the log (ProjectorWatch). Otherwise 503, its `code`
   * naming the cause: NOT_READY, INTEGRITY_CHECK_PENDING, LEDGER_TAMPERED, PROJECTOR_ABSENT, PROJECTOR_BEHIND.
   */
  @Get('ready')
  async ready(@Res() res: Response): Promise<void> {
    const notReady = (code: string, detail: string, extra: Record<string, unknown> = {}) =>
      sendProblem(res, problem(503, code, detail, { engine: this.store.engine, ...extra }), { 'Retry-After': '1' });
    try {
      const [head, checkpoint] = await Promise.all([this.store.headPosition(), this.queries.checkpoint()]);
      // Lag counts events: positions may have gaps (EventStoreDB's), so head − checkpoint is no count there.
      const lag = await eventsBetween(this.store, checkpoint, head, LAG_COUNT_CAP);
      const figures = { head: head.toString(), checkpoint: checkpoint.toString(), lag: lag.toString() };
      if (this.integrity) {
        const started = await this.integrity.startCheck(START_CHECK_WAIT_MS);
        if (started instanceof Error) return notReady('NOT_READY', `not ready: the integrity check could not run: ${started.message}`, figures);
        if (started === 'pending') return notReady('INTEGRITY_CHECK_PENDING', 'checking the hash chain from the newest seal to the head', figures);
        const found = this.integrity.firstBreak;
        if (found) {
          const writes = this.integrity.policy === 'warn' ? 'writes continue (LEDGER_ON_TAMPER=warn)' : 'writes are refused (LEDGER_ON_TAMPER=refuse-writes)';
          return notReady(
            'LEDGER_TAMPERED',
            `degraded: the hash chain is broken at position ${found.position} (${found.stream}#${found.revision}): ${found.reason}; ${writes}`,
            { ...figures, firstBreak: found, onTamper: this.integrity.policy },
          );
        }
      }
      const trouble = await this.projector.check(lag);
      if (trouble) return notReady(trouble.code, trouble.detail, { ...figures, ...(trouble.lease ? { lease: trouble.lease } : {}) });
      res.status(200).json({ status: 'ok', engine: this.store.engine, ...figures });
    } catch (e) {
      notReady('NOT_READY', `not ready: ${(e as Error).message}`);
    }
  }
}
