import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { AccountabilityRegisterQueryDto, CadresQueryDto, flattenValidationErrors, ListItemsQueryDto } from '@ledger/contracts';
import { countyDate, systemClock, type LedgerConfig } from '@ledger/platform';
import { MAX_PAGE_SIZE, type ItemView, type ReadQueries } from '@ledger/read-models';
import type { ExportFormat } from '@ledger/sheets-io';
import { plainToInstance } from 'class-transformer';
import { validate } from 'class-validator';
import { EXPORT_FORMATS, MAX_EXPORT_ROWS, exportFile, type ExportKind } from '@ledger/read-models/exports/export-files';
import { recordCliAccess } from '../cli-access';
import { openLedger, processIo, usageError, type CliIo } from './cli-io';

export const EXPORT_USAGE = `export items|units|cadres|accountability --out <file> [--format xlsx|csv] [filters]
        writes the list as a workbook or CSV with Chinese headers (format from --out's extension by default)
        items:          --status a,b --light red --unit <id> [--subtree false] --cadre <id> --sheet <id> --due-from --due-to --sort -updatedAt
        units:          --unit <id> (one row per child unit; default the county, the tree's root)
        cadres:         --unit <id> [--subtree false]
        accountability: --target-kind cadre|unit --target-id <id> --form <form> --from <date> --to <date>`;

const KINDS: Record<string, ExportKind> = { items: 'items', units: 'unitFigures', cadres: 'cadreFigures', accountability: 'accountability' };

/** `ledger export`: the query routes' exports (same rows, same files) read in-process, as a county-level reader. */
export async function exportMain(config: LedgerConfig, argv: string[], io: CliIo = processIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      out: { type: 'string' },
      format: { type: 'string' },
      status: { type: 'string' },
      light: { type: 'string' },
      unit: { type: 'string' },
      subtree: { type: 'string' },
      cadre: { type: 'string' },
      sheet: { type: 'string' },
      'due-from': { type: 'string' },
      'due-to': { type: 'string' },
      sort: { type: 'string' },
      'target-kind': { type: 'string' },
      'target-id': { type: 'string' },
      form: { type: 'string' },
      from: { type: 'string' },
      to: { type: 'string' },
    },
  });
  const kind = KINDS[positionals[0] ?? ''];
  if (!kind || positionals.length !== 1) throw usageError(`name one list\n\n  ${EXPORT_USAGE}`);
  if (!values.out) throw usageError('--out <file> is required');
  const format = (values.format ?? path.extname(values.out).slice(1).toLowerCase()) as ExportFormat;
  if (!EXPORT_FORMATS.includes(format)) throw usageError(`--format must be xlsx or csv (or --out ending in .xlsx / .csv)`);

  // Filters are checked by the query routes' own DTOs.
  const filters: Record<string, unknown> = {
    items: {
      status: values.status,
      light: values.light,
      unitId: values.unit,
      subtree: values.subtree,
      cadreId: values.cadre,
      sheetId: values.sheet,
      dueFrom: values['due-from'],
      dueTo: values['due-to'],
      sort: values.sort,
    },
    unitFigures: {},
    cadreFigures: { unitId: values.unit, subtree: values.subtree },
    accountability: { targetKind: values['target-kind'], targetId: values['target-id'], form: values.form, from: values.from, to: values.to },
  }[kind];
  const dto = { items: ListItemsQueryDto, unitFigures: CadresQueryDto, cadreFigures: CadresQueryDto, accountability: AccountabilityRegisterQueryDto }[kind];
  const given = Object.fromEntries(Object.entries(filters as object).filter(([, v]) => v !== undefined));
  const filter = plainToInstance(dto as new () => object, given) as Record<string, unknown>;
  const invalid = flattenValidationErrors(await validate(filter, { forbidUnknownValues: false }));
  if (invalid.length > 0) {
    for (const e of invalid) io.err(`${e.field}: ${e.messages.join('; ')}\n`);
    return 2;
  }

  const clock = io.clock ?? systemClock;
  const ledger = await openLedger(config, clock);
  try {
    const today = countyDate(clock.now());
    const q = ledger.queries;
    let rows: unknown[];
    switch (kind) {
      case 'items':
        rows = await allItems(q, filter, today);
        break;
      case 'unitFigures': {
        const unitId = values.unit ?? (await q.units()).find((u) => u.parentId === null)?.id;
        const children = unitId ? await q.childrenFigures(unitId, today) : null;
        if (!children) {
          io.err(`no unit ${unitId ?? '(the tree is empty)'}\n`);
          return 1;
        }
        rows = children;
        break;
      }
      case 'cadreFigures':
        rows = await q.cadresFigures({ unitId: filter.unitId as string | undefined, subtree: (filter.subtree as boolean | undefined) ?? true }, today);
        break;
      case 'accountability':
        rows = await q.register(filter);
        break;
    }
    const file = await exportFile(kind, rows as never, format, q, today);
    // Recorded before the file is written, as the API records before it answers.
    await recordCliAccess(config, clock, { action: 'export', target: `ledger export ${argv.join(' ')}`, detail: { rows: rows.length } });
    fs.writeFileSync(values.out, file.body);
    io.err(`${values.out}: ${rows.length} rows (${file.fileName}, ${file.body.length} bytes)\n`);
    return 0;
  } catch (e) {
    if ((e as { code?: string }).code === 'EXPORT_TOO_LARGE') {
      io.err(`${(e as Error).message}\n`);
      return 1;
    }
    throw e;
  } finally {
    await ledger.close();
  }
}

async function allItems(q: ReadQueries, filter: Record<string, unknown>, today: string): Promise<ItemView[]> {
  const first = await q.listItems({ ...filter, page: 1, pageSize: MAX_PAGE_SIZE }, today);
  if (first.total > MAX_EXPORT_ROWS) {
    throw Object.assign(new Error(`${first.total} items match; an export holds at most ${MAX_EXPORT_ROWS}: narrow the filter`), { code: 'EXPORT_TOO_LARGE' });
  }
  const items = [...first.items];
  const seen = new Set(items.map((i) => i.id));
  for (let page = 2; page <= Math.ceil(first.total / MAX_PAGE_SIZE); page++) {
    for (const i of (await q.listItems({ ...filter, page, pageSize: MAX_PAGE_SIZE }, today)).items) {
      if (seen.has(i.id)) continue;
      seen.add(i.id);
      items.push(i);
    }
  }
  return items;
}
