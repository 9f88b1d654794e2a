import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import type { RevokeAccountabilityDto } from '@ledger/contracts';
import { CommandLoop, Facts, handleCommand, itemCommand, type CommandMeta } from '@ledger/application';
import { answer, type CommandResult } from '../../problem-details/command-outcome';

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
    private readonly loop: CommandLoop,
    private readonly facts: Facts,
  ) {}

  async execute(c: RevokeAccountabilityCommand): Promise<CommandResult> {
    const outcome = handleCommand(
      this.loop,
      itemCommand(
        this.facts,
        'RevokeAccountability',
        c.itemId,
        { decisionId: c.decisionId, reason: c.body.reason, appealOutcome: c.body.appealOutcome ?? null },
        c.meta,
        {
          answerId: c.decisionId,
        },
      ),
      c.meta,
    );
    // The decision id is in the path: an unknown one is an unknown resource (404), not a rule (409).
    return answer(await outcome, { notFoundCodes: ['DECISION_NOT_FOUND'] });
  }
}
