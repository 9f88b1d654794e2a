import { Controller, Get, HttpCode, Inject, Param, Post, Res } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { deadLetters, outboxMessage, rebuildSwitching, replayDeadLetter, type DeliveryAttempt, type OutboxMessage } from '@ledger/read-models/notifications';
import type { Response } from 'express';
import type { DataSource } from 'typeorm';
import { recordAccessAhead } from '../access-audit/access-audit.middleware';
import { Roles } from '../auth/roles.decorator';
import { ApiProblem, ValidationProblem } from '../problem-details/errors';

export const NOTIFICATIONS_DS = Symbol('NOTIFICATIONS_DS');
/** A message id as the notifier makes them (messageId): 8-4-4-4-12 lower-case hex. */
const MESSAGE_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** The notifier's dead-letter list, for the system administrator: see what failed and why, and send it again. */
@ApiTags('notifications')
@Controller('notifications')
export class NotificationsRoute {
  constructor(@Inject(NOTIFICATIONS_DS) private readonly db: DataSource) {}

  @Get('dead-letters')
  @Roles('sysadmin')
  @ApiOperation({
    summary:
      'Messages the notifier gave up on after the configured attempts, newest event first, each with every attempt { n, at, outcome, httpStatus, error, ms }',
  })
  list(): Promise<Array<OutboxMessage & { attemptLog: DeliveryAttempt[] }>> {
    return deadLetters(this.db);
  }

  @Post(':id/replay')
  @HttpCode(202)
  @Roles('sysadmin')
  @ApiOperation({
    summary:
      'Puts a dead letter back in the queue with a fresh count of attempts (its past attempts stay on record): 202 { id, status: "pending" }; 404 unknown, 409 not a dead letter (NOT_A_DEAD_LETTER) or a rebuild switching the read models over (REBUILD_SWITCHING: nothing changed, send it again once switched)',
  })
  async replay(@Param('id') id: string, @Res({ passthrough: true }) res: Response): Promise<{ id: string; status: 'pending' }> {
    if (!MESSAGE_ID.test(id)) throw new ValidationProblem([{ field: 'id', messages: ['id must be a message id (8-4-4-4-12 hex digits)'] }]);
    const message = await outboxMessage(this.db, id);
    if (!message) throw notFound(id);
    if (message.status !== 'dead') throw notDead(id);
    if (await rebuildSwitching(this.db)) throw switching(id);
    // In the trail before it is replayed: a replay the trail cannot record is not made (503), the letter stays dead.
    await recordAccessAhead(res);
    const outcome = await replayDeadLetter(this.db, id);
    if (outcome === 'not_found') throw notFound(id);
    if (outcome === 'not_dead') throw notDead(id);
    if (outcome === 'rebuild_switching') throw switching(id);
    return { id, status: 'pending' };
  }
}

const notFound = (id: string) => new ApiProblem(404, 'MESSAGE_NOT_FOUND', `no message ${id} in the outbox`);
const notDead = (id: string) => new ApiProblem(409, 'NOT_A_DEAD_LETTER', `message ${id} is pending or delivered: only a dead letter is replayed`);
const switching = (id: string) =>
  new ApiProblem(
    409,
    'REBUILD_SWITCHING',
    `a rebuild (ledger rebuild) is switching the read models over: message ${id} was not replayed and is still a dead letter; send it again once the switch is done`,
  );
