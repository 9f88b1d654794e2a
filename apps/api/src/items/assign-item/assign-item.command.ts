import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import type { AssignItemDto } from '@ledger/contracts';
import { itemDecider, itemStream, type CadreFacts, type UnitFacts } from '@ledger/domain';
import type { CommandMeta } from '../../command-path/command-meta';
import { CommandPath, type CommandResult } from '../../command-path/command-path.service';
import { Facts } from '../../command-path/facts.service';

/** 交办 (定责): an item of a sheet goes to a handling unit, a responsible cadre and a due date. */
export class AssignItemCommand {
  constructor(readonly body: AssignItemDto, readonly meta: CommandMeta) {}
}

@CommandHandler(AssignItemCommand)
export class AssignItemHandler implements ICommandHandler<AssignItemCommand, CommandResult> {
  constructor(private readonly path: CommandPath, private readonly facts: Facts) {}

  execute({ body, meta }: AssignItemCommand): Promise<CommandResult> {
    const itemId = body.id ?? this.path.newId(meta);
    return this.path.execute(
      {
        stream: itemStream(itemId),
        decider: itemDecider,
        mode: 'create',
        id: itemId,
        build: async (_, context) => {
          const supportUnitIds = body.supportUnitIds ?? [];
          const [sheetExists, unit, cadre, leader, ...support] = await Promise.all([
            this.facts.sheetExists(body.sheetId),
            this.facts.unit(body.unitId),
            this.facts.cadre(body.cadreId),
            body.leaderId ? this.facts.cadre(body.leaderId) : undefined,
            ...supportUnitIds.map((id) => this.facts.unit(id)),
          ]);
          const supportUnits = Object.fromEntries(supportUnitIds.map((id, i) => [id, support[i] as UnitFacts]));
          return {
            type: 'AssignItem' as const,
            context,
            data: {
              itemId,
              sheetId: body.sheetId,
              title: body.title,
              requirements: body.requirements ?? null,
              unitId: body.unitId,
              supportUnitIds: body.supportUnitIds ?? [],
              cadreId: body.cadreId,
              leaderId: body.leaderId ?? null,
              dueDate: body.dueDate,
            },
            facts: { sheet: { exists: sheetExists }, unit, cadre, leader: leader as CadreFacts | undefined, supportUnits },
          };
        },
      },
      meta,
      'AssignItem',
    );
  }
}
