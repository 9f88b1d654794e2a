import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import type { RegisterUnitDto } from '@ledger/contracts';
import { CommandLoop, Facts, handleCommand, unitTarget, type CommandMeta } from '@ledger/application';
import { answer, type CommandResult } from '../../problem-details/command-outcome';

/** 组织设立: a unit joins the tree under a live parent (the county committee alone has none). */
export class RegisterUnitCommand {
  constructor(
    readonly body: RegisterUnitDto,
    readonly meta: CommandMeta,
  ) {}
}

@CommandHandler(RegisterUnitCommand)
export class RegisterUnitHandler implements ICommandHandler<RegisterUnitCommand, CommandResult> {
  constructor(
    private readonly loop: CommandLoop,
    private readonly facts: Facts,
  ) {}

  execute({ body, meta }: RegisterUnitCommand): Promise<CommandResult> {
    const unitId = body.id ?? this.loop.newId(meta);
    const parentId = body.parentId ?? null;
    return handleCommand(
      this.loop,
      {
        ...unitTarget(unitId, 'create'),
        build: async (_, context) => ({
          type: 'RegisterUnit' as const,
          context,
          data: { unitId, name: body.name, kind: body.kind, parentId },
          facts: { parent: parentId === null ? null : await this.facts.unit(parentId) },
        }),
      },
      meta,
    ).then(answer);
  }
}
