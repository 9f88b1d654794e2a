import type { LedgerEvent } from '@ledger/contracts/events';
import type { CadreView, UnitView } from '@ledger/contracts/http/views';
import { ApiProblem } from '@ledger/contracts/problems';
import {
  isRejection,
  itemDecider,
  itemStream,
  sheetDecider,
  sheetNumberDecider,
  sheetNumberStream,
  sheetStream,
  type CadreFacts,
  type CommandContext,
  type Decider,
  type ItemCommand,
  type Rejection,
  type SheetCommand,
  type SheetNumberCommand,
  type UnitFacts,
} from '@ledger/domain';
import { DuplicateEventIdError, type EventStore } from '@ledger/event-store';
import { countyDate } from '@ledger/platform';
import {
  importIds,
  parseAssignmentSheet,
  sheetFingerprint,
  sheetImportIds,
  type ImportRow,
  type SheetField,
  type SheetLimitBreach,
  type SheetLookup,
  type SheetProblem,
} from '@ledger/sheets-io';
import type { Facts } from '../facts';
import { handleCommand, type CommandLoop, type CommandMeta } from '../handle-command';
import { resultOf, type AnswerOutcome } from '../refusal';

/** The sheet's own fields, sent beside the file (validated like POST /sheets). */
export interface SheetImportFields {
  number: string;
  title: string;
  issuedOn: string;
  source?: string | null;
}

export interface SheetImportAnswer {
  /** The sheet's id (UUID v5 of number + file: the same file under the same number gives the same id). */
  id: string;
  itemCount: number;
  /** The sheet stream's revision. */
  revision: number;
  /** A position that includes the sheet and every item: pass it as minPosition to read them. */
  position: string;
  /** True when this file had been imported under this number before (fully or partly). */
  alreadyImported: boolean;
  /** Events this request appended: 0 on a complete re-import. */
  written: number;
}

export interface SheetImportProgress {
  phase: 'checking' | 'writing';
  done: number;
  total: number;
}

export interface SheetImportOptions {
  /** Concurrent item appends per chunk (the store commits them as a group). */
  chunkSize?: number;
  /** How long to wait for the read models to include the store's head before building the lookup. */
  consistencyWaitMs?: number;
  onProgress?: (p: SheetImportProgress) => void;
}

/**
 * 400 with one entry per problem: `{ row, column, message, field? }`, nothing written. A file refused
 * for its size rather than its rows (too many rows, cells or columns, a cell too long, an archive that
 * expands too far, a parse over its time) is SHEET_TOO_LARGE, with `limit` and `max` beside the one problem.
 */
export class SheetRowsProblem extends ApiProblem {
  constructor(
    readonly errors: SheetProblem[],
    readonly tooLarge?: SheetLimitBreach,
  ) {
    super(
      400,
      tooLarge ? 'SHEET_TOO_LARGE' : 'SHEET_ROWS_INVALID',
      tooLarge
        ? `the file exceeds the import's ${tooLarge.limit} limit (${tooLarge.max}); nothing was imported`
        : `the sheet has ${errors.length} problem(s); nothing was imported`,
      tooLarge ? { errors, limit: tooLarge.limit, max: tooLarge.max } : { errors },
    );
  }
}

export const DEFAULT_IMPORT_CHUNK = 200;

/** What the import reads from the read models (ReadQueries): the organisation, once they include the store's head. */
export interface SheetImportReads {
  ensurePosition(position: bigint, timeoutMs?: number): Promise<void>;
  units(): Promise<readonly Pick<UnitView, 'id' | 'name' | 'dissolved'>[]>;
  cadres(filter: { includeLeft: boolean }): Promise<readonly Pick<CadreView, 'id' | 'name' | 'unitId' | 'left'>[]>;
}

/** Which column a decider's rejection of a row belongs to. */
const REJECTION_FIELDS: Record<string, SheetField> = {
  TITLE_REQUIRED: 'title',
  INVALID_DATE: 'dueDate',
  DUE_DATE_IN_PAST: 'dueDate',
  UNIT_NOT_FOUND: 'unit',
  UNIT_DISSOLVED: 'unit',
  CADRE_NOT_FOUND: 'cadre',
  CADRE_HAS_LEFT: 'cadre',
};
const FIELD_HEADERS: Record<SheetField, string> = {
  serial: '序号',
  title: '事项',
  requirements: '办理要求',
  unit: '责任单位',
  supportUnits: '配合单位',
  cadre: '责任人',
  dueDate: '完成时限',
  leader: '责任领导',
};

interface PlannedItem {
  row: ImportRow;
  itemId: string;
  eventId: string;
  command: ItemCommand;
}

/**
 * 交办单导入: a whole sheet from a workbook or CSV, through the same deciders as POST /sheets and
 * POST /items, with the deterministic ids of @ledger/sheets-io so that a re-import writes nothing and
 * an interrupted import completes on the next try (libs/sheets-io/README.md, "Idempotent import").
 *
 * Every row is checked (parser, then deciders with facts from the streams) before anything is
 * written; then the claim, the sheet, and the items in concurrent chunks (one group commit each).
 * A refused command is answered by `answer`: the API's problems, or CommandRefused.
 */
export class SheetImporter {
  constructor(
    private readonly store: EventStore,
    private readonly queries: SheetImportReads,
    private readonly path: CommandLoop,
    private readonly facts: Facts,
    private readonly answer: AnswerOutcome = resultOf,
  ) {}

  async import(file: Buffer, fields: SheetImportFields, meta: CommandMeta, options: SheetImportOptions = {}): Promise<SheetImportAnswer> {
    const number = fields.number.trim();
    const fingerprint = sheetFingerprint(file);
    const ids = sheetImportIds(number, fingerprint);
    const context = this.path.context(meta);

    // 1. The claim stream says whether this number is free, ours (this very file) or another sheet's.
    const claim = await this.path.fold(sheetNumberStream(number), sheetNumberDecider);
    const prior = claim.events.length > 0;
    if (prior && claim.events[0].id !== ids.numberClaimedEventId) this.numberTaken(number, claim.state);

    // Rows, checked against the organisation as the read models know it (including the latest writes).
    await this.queries.ensurePosition(await this.store.headPosition(), options.consistencyWaitMs ?? 5000);
    const lookup = await this.lookup(prior ? countyDate(new Date(claim.events[0].recordedAt)) : context.today, prior);
    // The time budget runs on a monotonic clock: the app's Clock may be fixed (tests) or simulated.
    const parsed = await parseAssignmentSheet(file, lookup, { clock: () => performance.now() });
    if (!parsed.ok) throw new SheetRowsProblem(parsed.errors, parsed.tooLarge);
    const rows = parsed.rows;

    // On a re-import, rows whose item exists are done; their position still counts for the answer.
    let position = 0n;
    let todo = rows;
    if (prior) {
      todo = [];
      const chunk = Math.max(1, options.chunkSize ?? DEFAULT_IMPORT_CHUNK);
      for (let i = 0; i < rows.length; i += chunk) {
        const part = rows.slice(i, i + chunk);
        const firsts = await Promise.all(part.map((row) => this.store.readStream(itemStream(importIds(number, fingerprint, row.rowNumber).itemId), 0, 1)));
        firsts.forEach(([first], j) => {
          if (first) position = maxOf(position, first.position);
          else todo.push(part[j]);
        });
      }
    }

    // 2. Every decision before any write: a rejection is a 4xx and nothing is written.
    const { claim: claimCommand, issue: issueCommand } = this.decideSheet(ids.sheetId, number, fields, context);
    const planned = await this.decideItems(todo, ids.sheetId, number, fingerprint, meta, context, options);

    // 3. Writes, in the README's order.
    let written = 0;
    if (!prior) {
      const claimed = await this.appendOnce(sheetNumberStream(number), ids.numberClaimedEventId, sheetNumberDecider, claimCommand, meta);
      if (claimed === 'exists') {
        // A concurrent import of the same number: it is ours only if the same file claimed it.
        const again = await this.path.fold(sheetNumberStream(number), sheetNumberDecider);
        if (again.events[0]?.id !== ids.numberClaimedEventId) this.numberTaken(number, again.state);
      } else {
        written++;
        position = maxOf(position, claimed.position);
      }
    }
    const sheet = await this.store.readStream(sheetStream(ids.sheetId), 0, 1);
    if (sheet.length === 0) {
      const result = await this.appendOnce(sheetStream(ids.sheetId), ids.sheetIssuedEventId, sheetDecider, issueCommand, meta);
      if (result !== 'exists') {
        written++;
        position = maxOf(position, result.position);
      }
    } else {
      position = maxOf(position, sheet[0].position);
    }

    const chunkSize = Math.max(1, options.chunkSize ?? DEFAULT_IMPORT_CHUNK);
    let done = 0;
    for (let i = 0; i < planned.length; i += chunkSize) {
      const results = await Promise.all(
        planned.slice(i, i + chunkSize).map((p) => this.appendOnce(itemStream(p.itemId), p.eventId, itemDecider, p.command, meta)),
      );
      for (const r of results) {
        if (r === 'exists') continue;
        written++;
        position = maxOf(position, r.position);
      }
      done += results.length;
      options.onProgress?.({ phase: 'writing', done, total: planned.length });
    }
    // Items a concurrent twin wrote are counted as done; their positions are below the head we can name.
    if (written < planned.length) position = maxOf(position, await this.store.headPosition());

    return { id: ids.sheetId, itemCount: rows.length, revision: 0, position: position.toString(), alreadyImported: prior, written };
  }

  /** The organisation for the parser. A re-import judges dates as of the first import's day and
   * takes names as names (a cadre who left since still names the same person): rows already
   * written are skipped, and rows still to write are checked again by the deciders below. */
  private async lookup(today: string, lenient: boolean): Promise<SheetLookup> {
    const [units, cadres] = await Promise.all([this.queries.units(), this.queries.cadres({ includeLeft: true })]);
    return {
      today,
      units: units.map((u) => ({ id: u.id, name: u.name, dissolved: lenient ? false : u.dissolved })),
      cadres: cadres.map((c) => ({ id: c.id, name: c.name, unitId: c.unitId, left: lenient ? false : c.left })),
    };
  }

  /** The claim and the sheet, checked before anything is written. */
  private decideSheet(sheetId: string, number: string, fields: SheetImportFields, context: CommandContext): { claim: SheetNumberCommand; issue: SheetCommand } {
    const claim: SheetNumberCommand = { type: 'ClaimSheetNumber', context, data: { number, sheetId } };
    const claimed = sheetNumberDecider.decide(claim, sheetNumberDecider.initialState());
    if (isRejection(claimed)) this.answer({ kind: 'rejected', rejection: claimed });
    const issue: SheetCommand = {
      type: 'IssueSheet',
      context,
      data: { sheetId, number, title: fields.title, source: fields.source ?? null, issuedOn: fields.issuedOn },
    };
    const issued = sheetDecider.decide(issue, sheetDecider.initialState());
    if (isRejection(issued)) this.answer({ kind: 'rejected', rejection: issued });
    return { claim, issue };
  }

  private async decideItems(
    rows: ImportRow[],
    sheetId: string,
    number: string,
    fingerprint: string,
    meta: CommandMeta,
    context: CommandContext,
    options: SheetImportOptions,
  ): Promise<PlannedItem[]> {
    // Facts from the streams (authoritative), once per distinct unit and cadre.
    const units = new Map<string, Promise<UnitFacts>>();
    const cadres = new Map<string, Promise<CadreFacts>>();
    const unitFacts = (id: string) => units.get(id) ?? units.set(id, this.facts.unit(id)).get(id)!;
    const cadreFacts = (id: string) => cadres.get(id) ?? cadres.set(id, this.facts.cadre(id)).get(id)!;

    const planned: PlannedItem[] = [];
    const problems: SheetProblem[] = [];
    let done = 0;
    for (const row of rows) {
      const { itemId, eventId } = importIds(number, fingerprint, row.rowNumber);
      const [unit, cadre, leader, ...support] = await Promise.all([
        unitFacts(row.unitId),
        cadreFacts(row.cadreId),
        row.leaderId ? cadreFacts(row.leaderId) : undefined,
        ...row.supportUnitIds.map(unitFacts),
      ]);
      const supportUnits = Object.fromEntries(row.supportUnitIds.map((id, i) => [id, support[i] as UnitFacts]));
      const command: ItemCommand = {
        type: 'AssignItem',
        context,
        data: {
          itemId,
          sheetId,
          title: row.title,
          requirements: row.requirements,
          unitId: row.unitId,
          supportUnitIds: row.supportUnitIds,
          cadreId: row.cadreId,
          leaderId: row.leaderId,
          dueDate: row.dueDate,
        },
        facts: { sheet: { exists: true }, unit, cadre, leader, supportUnits },
      };
      const decision = itemDecider.decide(command, itemDecider.initialState());
      if (isRejection(decision)) {
        if (decision.forbidden) this.answer({ kind: 'rejected', rejection: decision });
        problems.push(rowProblem(row, decision));
      } else {
        planned.push({ row, itemId, eventId, command });
      }
      if (++done % 500 === 0) options.onProgress?.({ phase: 'checking', done, total: rows.length });
    }
    if (problems.length > 0) throw new SheetRowsProblem(problems);
    return planned;
  }

  /**
   * Appends as the first event of its stream, through the one command loop under the import's own
   * event id; 'exists' when an earlier or a concurrent import wrote it (or, for the claim, another file).
   */
  private async appendOnce<C, S>(
    stream: string,
    eventId: string,
    decider: Decider<C, S, LedgerEvent>,
    command: C,
    meta: CommandMeta,
  ): Promise<'exists' | { revision: number; position: bigint }> {
    try {
      const outcome = await handleCommand(
        this.path,
        { name: 'ImportSheet', stream, decider, mode: 'create', id: stream, retryOnConflict: true, eventId: () => eventId, build: () => command },
        meta,
      );
      switch (outcome.kind) {
        case 'appended':
          return outcome;
        case 'replayed':
        case 'rejected':
        case 'conflict':
          return 'exists';
        default:
          this.answer(outcome);
          return 'exists';
      }
    } catch (e) {
      if (e instanceof DuplicateEventIdError) return 'exists';
      throw e;
    }
  }

  /** SHEET_NUMBER_TAKEN, answered as the decider's rejections are (403/409 on HTTP): never returns. */
  private numberTaken(number: string, state: { status: string; sheetId?: string }): never {
    this.answer({
      kind: 'rejected',
      rejection: {
        kind: 'rejection',
        code: 'SHEET_NUMBER_TAKEN',
        message: `sheet number ${number} belongs to another sheet or another version of this file`,
        details: { number, ...(state.status === 'claimed' ? { sheetId: state.sheetId } : {}) },
      },
    });
    throw new Error('answer returned a result for a refused command');
  }
}

function rowProblem(row: ImportRow, r: Rejection): SheetProblem {
  const field = REJECTION_FIELDS[r.code];
  return field
    ? { row: row.rowNumber, column: FIELD_HEADERS[field], field, message: `${r.message}（${r.code}）` }
    : { row: row.rowNumber, column: null, message: `${r.message}（${r.code}）` };
}

const maxOf = (a: bigint, b: bigint) => (a > b ? a : b);
