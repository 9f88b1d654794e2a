import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import type { GrantExtensionDto } from '@ledger/contracts';
import type { CommandMeta } from '../../command-path/command-meta';
import type { CommandResult } from '../../command-path/command-path.service';
import { Facts } from '../../command-path/facts.service';
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
    private readonly facts: Facts,
  ) {}

  execute(c: GrantExtensionCommand): Promise<CommandResult> {
    return this.items.run('GrantExtension', c.itemId, { note: c.body.note ?? null }, c.meta, {
        // A second or later grant is checked against whoever granted the one before (never the same person).
        facts: async (state) => ({
          previousApprover: state.status !== 'unassigned' && state.extensionsGranted > 0 ? await this.facts.lastExtensionApprover(c.itemId) : null,
        }),
      });
  }
}
