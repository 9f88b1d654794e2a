import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import type { AcknowledgeItemDto } from '@ledger/contracts';
import type { CommandMeta } from '../../command-path/command-meta';
import type { CommandResult } from '../../command-path/command-path.service';
import { ItemCommands } from '../../items/item-commands.service';

/** 签收 acknowledge: the handling unit takes the item on. */
export class AcknowledgeItemCommand {
  constructor(
    readonly itemId: string,
    readonly body: AcknowledgeItemDto,
    readonly meta: CommandMeta,
  ) {}
}

@CommandHandler(AcknowledgeItemCommand)
export class AcknowledgeItemHandler implements ICommandHandler<AcknowledgeItemCommand, CommandResult> {
  constructor(
    private readonly items: ItemCommands,
  ) {}

  execute(c: AcknowledgeItemCommand): Promise<CommandResult> {
    return this.items.run('AcknowledgeItem', c.itemId, {}, c.meta);
  }
}
