import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import type { ReturnItemDto } from '@ledger/contracts';
import type { CommandMeta } from '../../command-path/command-meta';
import type { CommandResult } from '../../command-path/command-path.service';
import { ItemCommands } from '../../items/item-commands.service';

/** 退回: a reviewer sends a reported result back. */
export class ReturnCompletionCommand {
  constructor(
    readonly itemId: string,
    readonly body: ReturnItemDto,
    readonly meta: CommandMeta,
  ) {}
}

@CommandHandler(ReturnCompletionCommand)
export class ReturnCompletionHandler implements ICommandHandler<ReturnCompletionCommand, CommandResult> {
  constructor(
    private readonly items: ItemCommands,
  ) {}

  execute(c: ReturnCompletionCommand): Promise<CommandResult> {
    return this.items.run('ReturnCompletion', c.itemId, { reason: c.body.reason }, c.meta);
  }
}
