import * as fs from 'node:fs';
import { parseArgs } from 'node:util';
import { systemClock, type LedgerConfig } from '@ledger/platform';
import { TemporalQueries } from '@ledger/read-models';
import { parseBulletinPeriod, renderBulletin, type BulletinFormat } from '@ledger/sheets-io';
import { BulletinFigures } from '../../api/src/bulletins/bulletin.service';
import { openLedger, printProblem, processIo, usageError, type CliIo } from './sheets/cli-io';

export const BULLETIN_USAGE = `bulletin --period <YYYY-MM> [--format docx|xlsx] [--out <file>]
        writes the month's 督查通报 (default .docx, 督查通报<period>.<format>), every figure read at the month's end
        in county time (or now, for the month under way); the checkpoint (asOf, log position) is at its foot`;

/** `ledger bulletin`: the same figures and file as GET /api/v1/bulletins/:period, read in-process. */
export async function bulletinMain(config: LedgerConfig, argv: string[], io: CliIo = processIo): Promise<number> {
  const { values } = parseArgs({ args: argv, strict: true, options: { period: { type: 'string' }, format: { type: 'string' }, out: { type: 'string' } } });
  if (!values.period || !parseBulletinPeriod(values.period)) throw usageError(`--period must be a month YYYY-MM, e.g. 2026-11\n\n  ${BULLETIN_USAGE}`);
  const format = (values.format ?? (values.out?.toLowerCase().endsWith('.xlsx') ? 'xlsx' : 'docx')) as BulletinFormat;
  if (format !== 'docx' && format !== 'xlsx') throw usageError('--format must be docx or xlsx');
  const clock = io.clock ?? systemClock;
  const ledger = await openLedger(config, clock);
  try {
    const figures = new BulletinFigures(new TemporalQueries(ledger.readModels, config), ledger.queries, clock);
    const data = await figures.gather(values.period);
    const file = await renderBulletin(data, format);
    const out = values.out ?? file.fileName;
    fs.writeFileSync(out, file.body);
    io.err(`${out}: 督查通报 ${values.period}, as of ${data.asOf} (log position ${data.position}), ${file.body.length} bytes\n`);
    return 0;
  } catch (e) {
    if (printProblem(e, io)) return 1;
    throw e;
  } finally {
    await ledger.close();
  }
}
