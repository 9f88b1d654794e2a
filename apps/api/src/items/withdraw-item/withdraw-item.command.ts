import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import type { WithdrawItemDto } from '@ledger/contracts';
import type { CommandMeta } from '../../command-path/command-meta';
import type { CommandResult } from '../../command-path/command-path.service';
import { ItemCommands } from '../../items/item-commands.service';

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
    private readonly items: ItemCommands,
  ) {}

  execute(c: WithdrawItemCommand): Promise<CommandResult> {
    return this.items.run('WithdrawItem', c.itemId, { reason: c.body.reason }, c.meta);
  }
}
