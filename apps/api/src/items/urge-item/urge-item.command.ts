import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import type { UrgeItemDto } from '@ledger/contracts';
import type { CommandMeta } from '../../command-path/command-meta';
import type { CommandResult } from '../../command-path/command-path.service';
import { ItemCommands } from '../../items/item-commands.service';

/** 督促 (提醒 / 催办 / 督办 / 挂牌督办); independent of other writes, so a conflict is retried. */
export class UrgeItemCommand {
  constructor(
    readonly itemId: string,
    readonly body: UrgeItemDto,
    readonly meta: CommandMeta,
  ) {}
}

@CommandHandler(UrgeItemCommand)
export class UrgeItemHandler implements ICommandHandler<UrgeItemCommand, CommandResult> {
  constructor(
    private readonly items: ItemCommands,
  ) {}

  execute(c: UrgeItemCommand): Promise<CommandResult> {
    return this.items.run('UrgeItem', c.itemId, { level: c.body.level, channel: c.body.channel ?? null, note: c.body.note ?? null }, c.meta, {
        retryOnConflict: true,
      });
  }
}
