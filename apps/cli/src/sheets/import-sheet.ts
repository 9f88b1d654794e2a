import * as fs from 'node:fs';
import * as os from 'node:os';
import { parseArgs } from 'node:util';
import { Presets, SingleBar } from 'cli-progress';
import { systemClock, type LedgerConfig } from '@ledger/platform';
import { plainToInstance } from 'class-transformer';
import { validate } from 'class-validator';
import { v4 as uuidv4 } from 'uuid';
import { CommandLoop, Facts, SheetImporter, SheetRowsProblem, type CommandMeta } from '@ledger/application';
import { flattenValidationErrors, ImportSheetFieldsDto, MAX_SHEET_FILE_BYTES } from '@ledger/contracts';
import { openLedger, printProblem, processIo, usageError, type CliIo } from './cli-io';

export const IMPORT_SHEET_USAGE = `import-sheet <file.xlsx|file.csv> --number <交办单编号> --title <标题> --issued-on <YYYY-MM-DD> [--source <来源>] [--sub <userId>] [--name <姓名>]
        imports a 交办单 in this process, through the API's own import (same checks, same ids), as org_dept`;

/**
 * `ledger import-sheet`: the same SheetImporter as POST /sheets/import, run in-process on the
 * configured store (no server or token needed; the events' actor is org_dept, `--sub` or cli:<os user>).
 * Every problem is printed with its row and column; exit 1 when anything is wrong, nothing written.
 */
export async function importSheetMain(config: LedgerConfig, argv: string[], io: CliIo = processIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      number: { type: 'string' },
      title: { type: 'string' },
      'issued-on': { type: 'string' },
      source: { type: 'string' },
      sub: { type: 'string' },
      name: { type: 'string' },
    },
  });
  if (positionals.length !== 1) throw usageError(`give one file\n\n  ${IMPORT_SHEET_USAGE}`);
  const file = positionals[0];
  const fields = plainToInstance(ImportSheetFieldsDto, { number: values.number, title: values.title, issuedOn: values['issued-on'], source: values.source });
  const invalid = flattenValidationErrors(await validate(fields, { skipUndefinedProperties: false }));
  if (invalid.length > 0) {
    for (const e of invalid) io.err(`--${e.field === 'issuedOn' ? 'issued-on' : e.field}: ${e.messages.join('; ')}\n`);
    return 2;
  }
  let bytes: Buffer;
  try {
    const size = fs.statSync(file).size;
    if (size > MAX_SHEET_FILE_BYTES) {
      io.err(`${file}: ${size} bytes; the import takes files up to ${MAX_SHEET_FILE_BYTES / 1024 / 1024} MB\n`);
      return 1;
    }
    bytes = fs.readFileSync(file);
  } catch (e) {
    io.err(`${file}: ${(e as Error).message}\n`);
    return 1;
  }

  const clock = io.clock ?? systemClock;
  const ledger = await openLedger(config, clock);
  const bar = io.progress
    ? new SingleBar({ format: '{phase} [{bar}] {percentage}% | {value}/{total} items', stream: io.progress, clearOnComplete: true }, Presets.shades_classic)
    : null;
  let barPhase: string | null = null;
  try {
    const loop = new CommandLoop(ledger.store, clock, { keptStreams: config.commandCacheStreams });
    const importer = new SheetImporter(ledger.store, ledger.queries, loop, new Facts(loop, ledger.queries));
    const meta: CommandMeta = {
      actor: { userId: values.sub ?? `cli:${os.userInfo().username}`, role: 'org_dept', unitId: null, name: values.name ?? '命令行导入' },
      correlationId: uuidv4(),
      commandId: uuidv4(),
      idempotencyKey: null,
      ifMatch: null,
    };
    const started = Date.now();
    const answer = await importer.import(bytes, fields, meta, {
      onProgress: (p) => {
        if (!bar) return;
        const phase = p.phase === 'checking' ? 'checking' : 'writing ';
        if (barPhase !== phase) {
          if (barPhase) bar.stop();
          bar.start(p.total, 0, { phase });
          barPhase = phase;
        }
        bar.update(p.done, { phase });
      },
    });
    bar?.stop();
    // Let the read models include the sheet before the command ends (a server started later reads them).
    await ledger.projector.waitFor(BigInt(answer.position), 30_000);
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    io.out(`${JSON.stringify(answer)}\n`);
    io.err(
      answer.written === 0
        ? `交办单 ${fields.number}: already imported from this file (sheet ${answer.id}, ${answer.itemCount} items); nothing written\n`
        : `交办单 ${fields.number}: ${answer.itemCount} items imported (sheet ${answer.id}, ${answer.written} events, position ${answer.position}) in ${seconds} s\n`,
    );
    return 0;
  } catch (e) {
    bar?.stop();
    if (e instanceof SheetRowsProblem) {
      io.err(`${file}: ${e.errors.length} problem(s); nothing was imported\n`);
      for (const p of e.errors) {
        const where = p.row === null ? '文件' : p.column === null ? `第 ${p.row} 行` : `第 ${p.row} 行「${p.column}」`;
        io.err(`  ${where}：${p.message}\n`);
      }
      return 1;
    }
    if (printProblem(e, io)) return 1;
    throw e;
  } finally {
    await ledger.close();
  }
}
