import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import type { IssueSheetDto } from '@ledger/contracts';
import type { CommandContext } from '@ledger/domain';
import { isRejection, sheetDecider, sheetNumberDecider, sheetNumberStream, sheetStream } from '@ledger/domain';
import { CommandLoop, handleCommand, type CommandMeta } from '@ledger/application';
import { answer, type CommandResult } from '../../problem-details/command-outcome';

/**
 * 交办单下发. The number is claimed first, on `sheet_number-<number>` with expected `no_stream`, so two
 * sheets racing for a number cannot both win (the loser re-reads: SHEET_NUMBER_TAKEN, 409). The same
 * sheet claiming again (a retry after a failed sheet append) is a no-op. The sheet's own rules are checked
 * before the claim, so a refused sheet never burns its number.
 */
export class IssueSheetCommand {
  constructor(
    readonly body: IssueSheetDto,
    readonly meta: CommandMeta,
  ) {}
}

@CommandHandler(IssueSheetCommand)
export class IssueSheetHandler implements ICommandHandler<IssueSheetCommand, CommandResult> {
  constructor(private readonly loop: CommandLoop) {}

  async execute({ body, meta }: IssueSheetCommand): Promise<CommandResult> {
    const sheetId = body.id ?? this.loop.newId(meta);
    const issue = (context: CommandContext) => ({
      type: 'IssueSheet' as const,
      context,
      data: { sheetId, number: body.number, title: body.title, source: body.source ?? null, issuedOn: body.issuedOn },
    });
    const sheet = await this.loop.fold(sheetStream(sheetId), sheetDecider);
    const retry = sheet.events.some((e) => e.id === this.loop.eventId(meta, sheetStream(sheetId), 0));
    if (!retry) {
      const precheck = sheetDecider.decide(issue(this.loop.context(meta)), sheet.state);
      if (isRejection(precheck)) return answer({ kind: 'rejected', rejection: precheck });
    }
    answer(
      await handleCommand(
        this.loop,
        {
          name: 'ClaimSheetNumber',
          stream: sheetNumberStream(body.number),
          decider: sheetNumberDecider,
          mode: 'create',
          id: body.number,
          retryOnConflict: true,
          build: (_, context) => ({ type: 'ClaimSheetNumber' as const, context, data: { number: body.number, sheetId } }),
        },
        meta,
      ),
    );
    return handleCommand(
      this.loop,
      {
        name: 'IssueSheet',
        stream: sheetStream(sheetId),
        decider: sheetDecider,
        mode: 'create',
        id: sheetId,
        build: (_, context) => issue(context),
      },
      meta,
    ).then(answer);
  }
}
