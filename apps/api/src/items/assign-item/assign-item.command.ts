import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import type { AssignItemDto } from '@ledger/contracts';
import { itemDecider, itemStream, type CadreFacts, type UnitFacts } from '@ledger/domain';
import { CommandLoop, Facts, handleCommand, type CommandMeta } from '@ledger/application';
import { answer, type CommandResult } from '../../problem-details/command-outcome';

/** 交办 (定责): an item of a sheet goes to a handling unit, a responsible cadre and a due date. */
export class AssignItemCommand {
  constructor(
    readonly body: AssignItemDto,
    readonly meta: CommandMeta,
  ) {}
}

@CommandHandler(AssignItemCommand)
export class AssignItemHandler implements ICommandHandler<AssignItemCommand, CommandResult> {
  constructor(
    private readonly loop: CommandLoop,
    private readonly facts: Facts,
  ) {}

  execute({ body, meta }: AssignItemCommand): Promise<CommandResult> {
    const itemId = body.id ?? this.loop.newId(meta);
    return handleCommand(
      this.loop,
      {
        name: 'AssignItem',
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
    ).then(answer);
  }
}
