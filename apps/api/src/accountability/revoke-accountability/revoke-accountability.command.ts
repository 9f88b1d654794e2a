import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import type { RevokeAccountabilityDto } from '@ledger/contracts';
import type { CommandMeta } from '../../command-path/command-meta';
import type { CommandResult } from '../../command-path/command-path.service';
import { ItemCommands } from '../../items/item-commands.service';
import { ApiProblem, RejectedProblem } from '../../problem-details/errors';

/** 撤销问责: after an appeal. */
export class RevokeAccountabilityCommand {
  constructor(
    readonly itemId: string,
    readonly decisionId: string,
    readonly body: RevokeAccountabilityDto,
    readonly meta: CommandMeta,
  ) {}
}

@CommandHandler(RevokeAccountabilityCommand)
export class RevokeAccountabilityHandler implements ICommandHandler<RevokeAccountabilityCommand, CommandResult> {
  constructor(
    private readonly items: ItemCommands,
  ) {}

  async execute(c: RevokeAccountabilityCommand): Promise<CommandResult> {
    try {
      return await this.items.run('RevokeAccountability', c.itemId, { decisionId: c.decisionId, reason: c.body.reason, appealOutcome: c.body.appealOutcome ?? null }, c.meta, {
        answerId: c.decisionId,
      });
    } catch (e) {
      // The decision id is in the path: an unknown one is an unknown resource (404), not a rule (409).
      if (e instanceof RejectedProblem && e.code === 'DECISION_NOT_FOUND') throw new ApiProblem(404, e.code, e.message, e.extra);
      throw e;
    }
  }
}
