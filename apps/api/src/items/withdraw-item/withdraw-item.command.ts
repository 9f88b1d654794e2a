import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { CommandLoop, Facts, handleCommand, itemCommand, type CommandMeta } from '@ledger/application';
import { answer, type CommandResult } from '../../problem-details/command-outcome';
import type { WithdrawItemDto } from '@ledger/contracts';

/** 撤销: the issuer withdraws the item (terminal). */
export class WithdrawItemCommand {
  constructor(
    readonly itemId: string,
    readonly body: WithdrawItemDto,
    readonly meta: CommandMeta,
  ) {}
}

@CommandHandler(WithdrawItemCommand)
export class WithdrawItemHandler implements ICommandHandler<WithdrawItemCommand, CommandResult> {
  constructor(
    private readonly loop: CommandLoop,
    private readonly facts: Facts,
  ) {}

  execute(c: WithdrawItemCommand): Promise<CommandResult> {
    return handleCommand(this.loop, itemCommand(this.facts, 'WithdrawItem', c.itemId, { reason: c.body.reason }, c.meta), c.meta).then(answer);
  }
}
