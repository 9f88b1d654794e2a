import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import type { RegisterUnitDto } from '@ledger/contracts';
import type { CommandMeta } from '../../command-path/command-meta';
import type { CommandResult } from '../../command-path/command-path.service';
import { Facts } from '../../command-path/facts.service';
import { UnitCommands } from '../unit-commands.service';

/** 组织设立: a unit joins the tree under a live parent (the county committee alone has none). */
export class RegisterUnitCommand {
  constructor(readonly body: RegisterUnitDto, readonly meta: CommandMeta) {}
}

@CommandHandler(RegisterUnitCommand)
export class RegisterUnitHandler implements ICommandHandler<RegisterUnitCommand, CommandResult> {
  constructor(private readonly units: UnitCommands, private readonly facts: Facts) {}

  execute({ body, meta }: RegisterUnitCommand): Promise<CommandResult> {
    const unitId = body.id ?? this.units.path.newId(meta);
    const parentId = body.parentId ?? null;
    return this.units.run('create', unitId, meta, async (_, context) => ({
      type: 'RegisterUnit',
      context,
      data: { unitId, name: body.name, kind: body.kind, parentId },
      facts: { parent: parentId === null ? null : await this.facts.unit(parentId) },
    }));
  }
}
