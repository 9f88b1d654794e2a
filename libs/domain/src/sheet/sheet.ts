import { STREAM_PREFIX, type EventOf, type LocalDate } from '@ledger/contracts/events';
import type { CommandContext, Decider, Decision } from '../shared/decider';
import { present, roleMayAct, unreachable, validDate } from '../shared/policies';
import { deny } from '../shared/rejections';

export type SheetEvent = EventOf<'SheetIssued'>;

export const sheetStream = (sheetId: string): string => STREAM_PREFIX.sheet + sheetId;

/** 交办单. Its number is unique in the county through the claim stream (./sheet-number.ts), appended first. */
export interface IssueSheet {
  type: 'IssueSheet';
  context: CommandContext;
  data: { sheetId: string; number: string; title: string; source?: string | null; issuedOn: LocalDate };
}
export type SheetCommand = IssueSheet;
export const SHEET_COMMAND_TYPES = ['IssueSheet'] as const;

export type SheetState =
  { status: 'unissued' } | { status: 'issued'; sheetId: string; number: string; title: string; source: string | null; issuedOn: LocalDate };

export const initialSheetState = (): SheetState => ({ status: 'unissued' });

export const SHEET_ISSUERS = ['org_dept'] as const;

export function decideSheet(command: SheetCommand, state: SheetState): Decision<SheetEvent> {
  switch (command.type) {
    case 'IssueSheet': {
      const { sheetId, number, title, source, issuedOn } = command.data;
      return (
        roleMayAct(command.context, SHEET_ISSUERS) ??
        (state.status === 'issued' ? deny('SHEET_ALREADY_ISSUED', { sheetId: state.sheetId }) : undefined) ??
        (present(number) ? undefined : deny('SHEET_NUMBER_REQUIRED')) ??
        (present(title) ? undefined : deny('NAME_REQUIRED')) ??
        validDate('issuedOn', issuedOn) ?? [
          {
            type: 'SheetIssued',
            data: { sheetId, number: number.trim(), title: title.trim(), source: source ?? null, issuedOn },
          },
        ]
      );
    }
    default:
      return unreachable(command.type);
  }
}

export function evolveSheet(state: SheetState, event: SheetEvent): SheetState {
  return event.type === 'SheetIssued' ? { status: 'issued', ...event.data } : state;
}

export const sheetDecider: Decider<SheetCommand, SheetState, SheetEvent> = {
  initialState: initialSheetState,
  decide: decideSheet,
  evolve: evolveSheet,
};
