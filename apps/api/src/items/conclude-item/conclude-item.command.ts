import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import type { ConcludeItemDto } from '@ledger/contracts';
import type { CommandMeta } from '../../command-path/command-meta';
import type { CommandResult } from '../../command-path/command-path.service';
import { ItemCommands } from '../../items/item-commands.service';

/** 办结: a reviewer accepts the reported result. */
export class ConcludeItemCommand {
  constructor(
    readonly itemId: string,
    readonly body: ConcludeItemDto,
    readonly meta: CommandMeta,
  ) {}
}

@CommandHandler(ConcludeItemCommand)
export class ConcludeItemHandler implements ICommandHandler<ConcludeItemCommand, CommandResult> {
  constructor(
    private readonly items: ItemCommands,
  ) {}

  execute(c: ConcludeItemCommand): Promise<CommandResult> {
    return this.items.run('ConcludeItem', c.itemId, { note: c.body.note ?? null }, c.meta);
  }
}
