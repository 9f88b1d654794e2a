import * as fs from 'node:fs';
import { parseArgs } from 'node:util';
import { systemClock, type LedgerConfig } from '@ledger/platform';
import { TemporalQueries } from '@ledger/read-models';
import { bulletinPeriodProblem, bulletinSections, renderBulletin, type BulletinFormat } from '@ledger/sheets-io';
import { BulletinFigures } from '@ledger/read-models/bulletins/figures';
import { recordCliAccess } from './cli-access';
import { openLedger, printProblem, processIo, usageError, type CliIo } from './sheets/cli-io';

export const BULLETIN_USAGE = `bulletin --period <YYYY-MM | YYYY-Www> [--format docx|xlsx] [--out <file>]
        writes the month's or the ISO week's (2026-W48: Monday 11-23 to Sunday 11-29) 督查通报 (default .docx,
        督查通报<period>.<format>), every figure read at the period's end in county time (or now, for the period
        under way); the checkpoint (asOf, log position) is at its foot, and its line is printed to stderr`;

/** `ledger bulletin`: the same figures and file as GET /api/v1/bulletins/:period, read in-process. */
export async function bulletinMain(config: LedgerConfig, argv: string[], io: CliIo = processIo): Promise<number> {
  const { values } = parseArgs({ args: argv, strict: true, options: { period: { type: 'string' }, format: { type: 'string' }, out: { type: 'string' } } });
  const period = values.period ?? '';
  const problem = bulletinPeriodProblem(period);
  if (problem) throw usageError(`--${problem}\n\n  ${BULLETIN_USAGE}`);
  const format = (values.format ?? (values.out?.toLowerCase().endsWith('.xlsx') ? 'xlsx' : 'docx')) as BulletinFormat;
  if (format !== 'docx' && format !== 'xlsx') throw usageError('--format must be docx or xlsx');
  const clock = io.clock ?? systemClock;
  const ledger = await openLedger(config, clock);
  try {
    const figures = new BulletinFigures(new TemporalQueries(ledger.readModels, config), ledger.queries, clock);
    const data = await figures.gather(period);
    const file = await renderBulletin(data, format);
    const out = values.out ?? file.fileName;
    // In the access audit trail before the file exists, as GET /bulletins/:period is before it answers.
    await recordCliAccess(config, clock, {
      action: 'bulletin',
      target: `ledger bulletin ${argv.join(' ')}`,
      detail: { format, position: String(data.position) },
    });
    fs.writeFileSync(out, file.body);
    io.err(`${out}: 督查通报 ${period}, as of ${data.asOf} (log position ${data.position}), ${file.body.length} bytes\n`);
    // The document's foot line, word for word: what a reader quotes to recompute the figures with asOf.
    io.err(`${bulletinSections(data).checkpoint}\n`);
    return 0;
  } catch (e) {
    if (printProblem(e, io)) return 1;
    throw e;
  } finally {
    await ledger.close();
  }
}
