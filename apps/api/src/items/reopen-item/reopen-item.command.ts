import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import type { ReopenItemDto } from '@ledger/contracts';
import type { CommandMeta } from '../../command-path/command-meta';
import type { CommandResult } from '../../command-path/command-path.service';
import { ItemCommands } from '../../items/item-commands.service';

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
    private readonly items: ItemCommands,
  ) {}

  execute(c: ReopenItemCommand): Promise<CommandResult> {
    return this.items.run('ReopenItem', c.itemId, { reason: c.body.reason }, c.meta);
  }
}
