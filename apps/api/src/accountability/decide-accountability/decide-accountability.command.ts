import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import type { DecideAccountabilityDto } from '@ledger/contracts';
import type { CommandMeta } from '../../command-path/command-meta';
import type { CommandResult } from '../../command-path/command-path.service';
import { Facts } from '../../command-path/facts.service';
import { ItemCommands } from '../../items/item-commands.service';

/** 问责决定: records a decision taken by the deciding body (the ledger never decides by itself); answers the decision id. */
export class DecideAccountabilityCommand {
  constructor(
    readonly itemId: string,
    readonly body: DecideAccountabilityDto,
    readonly meta: CommandMeta,
  ) {}
}

@CommandHandler(DecideAccountabilityCommand)
export class DecideAccountabilityHandler implements ICommandHandler<DecideAccountabilityCommand, CommandResult> {
  constructor(
    private readonly items: ItemCommands,
    private readonly facts: Facts,
  ) {}

  execute(c: DecideAccountabilityCommand): Promise<CommandResult> {
    const decisionId = this.items.newId(c.meta, 'decision');
    return this.items.run('DecideAccountability', c.itemId, {
        decisionId,
        target: { kind: c.body.target.kind, id: c.body.target.id },
        form: c.body.form,
        dispositionForm: c.body.dispositionForm ?? null,
        decidedBy: c.body.decidedBy,
        decidedOn: c.body.decidedOn,
        documentNo: c.body.documentNo ?? null,
        effectMonths: c.body.effectMonths ?? null,
        reason: c.body.reason,
      }, c.meta, {
        answerId: decisionId,
        facts: async () => ({ targetExists: await this.facts.targetExists(c.body.target) }),
      });
  }
}
