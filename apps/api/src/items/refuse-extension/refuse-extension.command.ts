import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import type { RefuseExtensionDto } from '@ledger/contracts';
import type { CommandMeta } from '../../command-path/command-meta';
import type { CommandResult } from '../../command-path/command-path.service';
import { ItemCommands } from '../../items/item-commands.service';

/** 不予延期. */
export class RefuseExtensionCommand {
  constructor(
    readonly itemId: string,
    readonly body: RefuseExtensionDto,
    readonly meta: CommandMeta,
  ) {}
}

@CommandHandler(RefuseExtensionCommand)
export class RefuseExtensionHandler implements ICommandHandler<RefuseExtensionCommand, CommandResult> {
  constructor(
    private readonly items: ItemCommands,
  ) {}

  execute(c: RefuseExtensionCommand): Promise<CommandResult> {
    return this.items.run('RefuseExtension', c.itemId, { reason: c.body.reason }, c.meta);
  }
}
