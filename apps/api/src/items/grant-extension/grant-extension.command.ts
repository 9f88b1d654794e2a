import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import type { GrantExtensionDto } from '@ledger/contracts';
import type { CommandMeta } from '../../command-path/command-meta';
import type { CommandResult } from '../../command-path/command-path.service';
import { ItemCommands } from '../../items/item-commands.service';

/** 批准延期. */
export class GrantExtensionCommand {
  constructor(
    readonly itemId: string,
    readonly body: GrantExtensionDto,
    readonly meta: CommandMeta,
  ) {}
}

@CommandHandler(GrantExtensionCommand)
export class GrantExtensionHandler implements ICommandHandler<GrantExtensionCommand, CommandResult> {
  constructor(
    private readonly items: ItemCommands,
  ) {}

  execute(c: GrantExtensionCommand): Promise<CommandResult> {
    return this.items.run('GrantExtension', c.itemId, { note: c.body.note ?? null }, c.meta, {
        // County-level roles (no unit of their own) may grant a second extension.
        facts: async () => ({ approverIsCountyLevel: c.meta.actor.role !== 'unit' }),
      });
  }
}
