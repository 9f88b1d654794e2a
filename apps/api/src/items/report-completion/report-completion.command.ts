import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import type { ReportCompletionDto } from '@ledger/contracts';
import type { CommandMeta } from '../../command-path/command-meta';
import type { CommandResult } from '../../command-path/command-path.service';
import { ItemCommands } from '../../items/item-commands.service';
import { EvidenceLinker } from '../../evidence/evidence-linker.service';

/** 办结反馈: the unit reports completion ("ticks it off"). */
export class ReportCompletionCommand {
  constructor(
    readonly itemId: string,
    readonly body: ReportCompletionDto,
    readonly meta: CommandMeta,
  ) {}
}

@CommandHandler(ReportCompletionCommand)
export class ReportCompletionHandler implements ICommandHandler<ReportCompletionCommand, CommandResult> {
  constructor(
    private readonly items: ItemCommands,
    private readonly evidence: EvidenceLinker,
  ) {}

  async execute(c: ReportCompletionCommand): Promise<CommandResult> {
    return this.items.run('ReportCompletion', c.itemId, { summary: c.body.summary, evidence: await this.evidence.link(c.body.evidence) }, c.meta);
  }
}
