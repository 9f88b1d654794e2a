import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import type { ReassignItemDto } from '@ledger/contracts';
import type { CommandMeta } from '../../command-path/command-meta';
import type { CommandResult } from '../../command-path/command-path.service';
import { Facts } from '../../command-path/facts.service';
import { ItemCommands } from '../../items/item-commands.service';

/** 调整承办: a new handling unit and/or responsible cadre. */
export class ReassignItemCommand {
  constructor(
    readonly itemId: string,
    readonly body: ReassignItemDto,
    readonly meta: CommandMeta,
  ) {}
}

@CommandHandler(ReassignItemCommand)
export class ReassignItemHandler implements ICommandHandler<ReassignItemCommand, CommandResult> {
  constructor(
    private readonly items: ItemCommands,
    private readonly facts: Facts,
  ) {}

  execute(c: ReassignItemCommand): Promise<CommandResult> {
    return this.items.run('ReassignItem', c.itemId, { unitId: c.body.unitId ?? null, cadreId: c.body.cadreId ?? null, reason: c.body.reason }, c.meta, {
        facts: async () => ({
          ...(c.body.unitId ? { unit: await this.facts.unit(c.body.unitId) } : {}),
          ...(c.body.cadreId ? { cadre: await this.facts.cadre(c.body.cadreId) } : {}),
        }),
      });
  }
}
