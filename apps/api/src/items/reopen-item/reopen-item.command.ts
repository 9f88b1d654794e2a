import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { CommandLoop, Facts, handleCommand, itemCommand, type CommandMeta } from '@ledger/application';
import { answer, type CommandResult } from '../../problem-details/command-outcome';
import type { ReopenItemDto } from '@ledger/contracts';

/** 重新挂账: a concluded or struck-off item goes back on the list. */
export class ReopenItemCommand {
  constructor(
    readonly itemId: string,
    readonly body: ReopenItemDto,
    readonly meta: CommandMeta,
  ) {}
}

@CommandHandler(ReopenItemCommand)
export class ReopenItemHandler implements ICommandHandler<ReopenItemCommand, CommandResult> {
  constructor(
    private readonly loop: CommandLoop,
    private readonly facts: Facts,
  ) {}

  execute(c: ReopenItemCommand): Promise<CommandResult> {
    return handleCommand(this.loop, itemCommand(this.facts, 'ReopenItem', c.itemId, { reason: c.body.reason }, c.meta), c.meta).then(answer);
  }
}
