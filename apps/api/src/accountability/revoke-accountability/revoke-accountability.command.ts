import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import type { RevokeAccountabilityDto } from '@ledger/contracts';
import type { CommandMeta } from '../../command-path/command-meta';
import type { CommandResult } from '../../command-path/command-path.service';
import { ItemCommands } from '../../items/item-commands.service';

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

  execute(c: RevokeAccountabilityCommand): Promise<CommandResult> {
    return this.items.run('RevokeAccountability', c.itemId, { decisionId: c.decisionId, reason: c.body.reason, appealOutcome: c.body.appealOutcome ?? null }, c.meta, {
        answerId: c.decisionId,
      });
  }
}
