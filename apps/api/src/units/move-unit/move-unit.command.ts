import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import type { MoveUnitDto } from '@ledger/contracts';
import { CommandLoop, Facts, handleCommand, unitTarget, type UnitTree, type CommandMeta } from '@ledger/application';
import { answer, type CommandResult } from '../../problem-details/command-outcome';

/**
 * 隶属关系调整: a unit moves under another live parent, never under itself or its own subtree. The
 * cycle check reads other units' streams, so the move is claimed on the tree claim stream first: two
 * moves decided on the same tree (A under B, B under A) cannot both land; the second decides again.
 */
export class MoveUnitCommand {
  constructor(
    readonly unitId: string,
    readonly body: MoveUnitDto,
    readonly meta: CommandMeta,
  ) {}
}

@CommandHandler(MoveUnitCommand)
export class MoveUnitHandler implements ICommandHandler<MoveUnitCommand, CommandResult> {
  constructor(
    private readonly loop: CommandLoop,
    private readonly facts: Facts,
  ) {}

  execute({ unitId, body, meta }: MoveUnitCommand): Promise<CommandResult> {
    // The tree as this attempt decided on it (read before the chains walked); each retry reads it anew.
    let tree: UnitTree | null = null;
    return handleCommand(
      this.loop,
      {
        ...unitTarget(unitId, 'existing'),
        build: async (_, context) => {
          tree = await this.facts.unitTree();
          return {
            type: 'MoveUnit' as const,
            context,
            data: { unitId, parentId: body.parentId },
            facts: {
              parent: await this.facts.unit(body.parentId),
              newParentIsSelfOrDescendant: await this.facts.isSelfOrDescendant(body.parentId, unitId, tree),
            },
          };
        },
        claim: (events, folded, context) => this.facts.claimMove(tree!, events[0], folded.revision!, meta, context),
      },
      meta,
    ).then(answer);
  }
}
