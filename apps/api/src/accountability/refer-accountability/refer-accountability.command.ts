import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import type { ReferAccountabilityDto } from '@ledger/contracts';
import type { CommandMeta } from '../../command-path/command-meta';
import type { CommandResult } from '../../command-path/command-path.service';
import { Facts } from '../../command-path/facts.service';
import { ItemCommands } from '../../items/item-commands.service';

/** 移送问责: refer a cadre or unit to the discipline commission or the organisation department. */
export class ReferAccountabilityCommand {
  constructor(
    readonly itemId: string,
    readonly body: ReferAccountabilityDto,
    readonly meta: CommandMeta,
  ) {}
}

@CommandHandler(ReferAccountabilityCommand)
export class ReferAccountabilityHandler implements ICommandHandler<ReferAccountabilityCommand, CommandResult> {
  constructor(
    private readonly items: ItemCommands,
    private readonly facts: Facts,
  ) {}

  execute(c: ReferAccountabilityCommand): Promise<CommandResult> {
    return this.items.run('ReferAccountability', c.itemId, { target: { kind: c.body.target.kind, id: c.body.target.id }, to: c.body.to, note: c.body.note ?? null }, c.meta, {
        facts: async () => ({ targetExists: await this.facts.targetExists(c.body.target) }),
      });
  }
}
