import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import type { StrikeOffItemDto } from '@ledger/contracts';
import type { CommandMeta } from '../../command-path/command-meta';
import type { CommandResult } from '../../command-path/command-path.service';
import { ItemCommands } from '../../items/item-commands.service';

/** 销号: verified and struck off the list. */
export class StrikeOffItemCommand {
  constructor(
    readonly itemId: string,
    readonly body: StrikeOffItemDto,
    readonly meta: CommandMeta,
  ) {}
}

@CommandHandler(StrikeOffItemCommand)
export class StrikeOffItemHandler implements ICommandHandler<StrikeOffItemCommand, CommandResult> {
  constructor(
    private readonly items: ItemCommands,
  ) {}

  execute(c: StrikeOffItemCommand): Promise<CommandResult> {
    return this.items.run('StrikeOffItem', c.itemId, { note: c.body.note ?? null }, c.meta);
  }
}
