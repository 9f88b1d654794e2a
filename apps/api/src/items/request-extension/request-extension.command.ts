import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import type { RequestExtensionDto } from '@ledger/contracts';
import type { CommandMeta } from '../../command-path/command-meta';
import type { CommandResult } from '../../command-path/command-path.service';
import { ItemCommands } from '../../items/item-commands.service';

/** 申请延期: before the due date in force. */
export class RequestExtensionCommand {
  constructor(
    readonly itemId: string,
    readonly body: RequestExtensionDto,
    readonly meta: CommandMeta,
  ) {}
}

@CommandHandler(RequestExtensionCommand)
export class RequestExtensionHandler implements ICommandHandler<RequestExtensionCommand, CommandResult> {
  constructor(
    private readonly items: ItemCommands,
  ) {}

  execute(c: RequestExtensionCommand): Promise<CommandResult> {
    return this.items.run('RequestExtension', c.itemId, { newDueDate: c.body.newDueDate, reason: c.body.reason }, c.meta);
  }
}
