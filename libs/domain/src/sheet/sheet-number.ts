import { STREAM_PREFIX, type EventOf } from '@ledger/contracts/events';
import type { CommandContext, Decider, Decision } from '../shared/decider';
import { present, roleMayAct, unreachable } from '../shared/policies';
import { deny } from '../shared/rejections';
import { SHEET_ISSUERS } from './sheet';

export type SheetNumberEvent = EventOf<'SheetNumberClaimed'>;

/**
 * The claim stream of one sheet number. The application appends its claim with expected revision
 * `no_stream` before it issues the sheet, so two sheets racing for one number cannot both win; the
 * loser reads the stream and gets SHEET_NUMBER_TAKEN from this decider.
 */
export const sheetNumberStream = (number: string): string => STREAM_PREFIX.sheetNumber + number.trim();

export interface ClaimSheetNumber {
  type: 'ClaimSheetNumber';
  context: CommandContext;
  data: { number: string; sheetId: string };
}
export type SheetNumberCommand = ClaimSheetNumber;
export const SHEET_NUMBER_COMMAND_TYPES = ['ClaimSheetNumber'] as const;

export type SheetNumberState = { status: 'unclaimed' } | { status: 'claimed'; number: string; sheetId: string };

export const initialSheetNumberState = (): SheetNumberState => ({ status: 'unclaimed' });

export function decideSheetNumber(command: SheetNumberCommand, state: SheetNumberState): Decision<SheetNumberEvent> {
  switch (command.type) {
    case 'ClaimSheetNumber': {
      const { number, sheetId } = command.data;
      const who = roleMayAct(command.context, SHEET_ISSUERS);
      if (who) return who;
      if (state.status === 'claimed') {
        // The same sheet claiming again is a retry (e.g. the sheet append failed after the claim): no-op.
        return state.sheetId === sheetId ? [] : deny('SHEET_NUMBER_TAKEN', { number, sheetId: state.sheetId });
      }
      return (present(number) ? undefined : deny('SHEET_NUMBER_REQUIRED')) ?? [{ type: 'SheetNumberClaimed', data: { number: number.trim(), sheetId } }];
    }
    default:
      return unreachable(command.type);
  }
}

export function evolveSheetNumber(state: SheetNumberState, event: SheetNumberEvent): SheetNumberState {
  return event.type === 'SheetNumberClaimed' && state.status === 'unclaimed' ? { status: 'claimed', ...event.data } : state;
}

export const sheetNumberDecider: Decider<SheetNumberCommand, SheetNumberState, SheetNumberEvent> = {
  initialState: initialSheetNumberState,
  decide: decideSheetNumber,
  evolve: evolveSheetNumber,
};
