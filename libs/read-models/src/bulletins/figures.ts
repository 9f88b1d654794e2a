import { NotFoundProblem, ValidationProblem } from '@ledger/contracts/problems';
import type { Clock } from '@ledger/platform';
import { bulletinPeriodProblem, parseBulletinPeriod, type BulletinData, type BulletinDecision, type BulletinReturn } from '@ledger/sheets-io';
import { In } from 'typeorm';
import { ensureTemporalCovers } from '../checkpoint/checkpoints';
import { countyDateOf } from '../dates';
import type { ReadQueries } from '../queries';
import { AccountabilityDecisionRow } from '../register/accountability-decision.entity';
import { ItemFactRow } from '../temporal/entities';
import type { LedgerCut, TemporalQueries } from '../temporal/queries';
import type { ItemView } from '../views';

const DAY_MS = 86_400_000;

/**
 * The figures of a 督查通报, every one read at ONE cut of the log: the end of the period in county time
 * (or now, for the period under way). The cut's instant and position go on the bulletin, so
 * `asOf=<instant>` on the figure routes answers the same numbers. Shared by GET /bulletins/:period,
 * `ledger bulletin` and the notifier's schedule; not in the package's index (the projector never loads
 * the document writer of @ledger/sheets-io).
 */
export class BulletinFigures {
  constructor(
    private readonly temporal: TemporalQueries,
    private readonly queries: ReadQueries,
    private readonly clock: Clock,
  ) {}

  async gather(period: string): Promise<BulletinData> {
    const p = parseBulletinPeriod(period);
    if (!p) throw new ValidationProblem([{ field: 'period', messages: [bulletinPeriodProblem(period)!] }]);
    const instantMs = Math.min(p.endMs, this.clock.now().getTime());
    const asOf = new Date(instantMs).toISOString();
    await ensureTemporalCovers(this.queries.dataSource, instantMs);
    const position = await this.temporal.positionAt(instantMs);
    const cut: LedgerCut = { position, day: countyDateOf(asOf) };

    const units = await this.temporal.unitsAt(position);
    const root = units.find((u) => u.parentId === null);
    if (!root) throw new NotFoundProblem('UNIT_NOT_FOUND', `no county committee registered by ${asOf}`);
    const unitName = new Map(units.map((u) => [u.id, u.name]));

    const county = (await this.temporal.unitFigures(root.id, true, cut))!;
    const townships = (await this.temporal.childrenFigures(root.id, cut))!;

    const overdueItems: ItemView[] = [];
    for (let page = 1; ; page++) {
      const got = await this.temporal.listItems({ unitId: root.id, subtree: true, light: 'red', sort: 'dueDate', page, pageSize: 200 }, cut);
      overdueItems.push(...got.items);
      if (overdueItems.length >= got.total || got.items.length === 0) break;
    }

    // Returns dated in the period and recorded by the cut (a fact's day is the county date it was recorded on).
    const facts = await this.queries.dataSource
      .getRepository(ItemFactRow)
      .createQueryBuilder('f')
      .where(`f.kind = 'returned' AND f.day >= :from AND f.day <= :to AND f.position <= :p`, { from: p.from, to: p.to, p: position })
      .orderBy('f.position', 'ASC')
      .getMany();

    // Decisions dated in the period and recorded by the cut: one recorded later under an earlier date is
    // the next bulletin's news, not a change to this one's figures.
    const dated = await this.queries.register({ from: p.from, to: p.to });
    const recorded = dated.length
      ? await this.queries.dataSource
          .getRepository(AccountabilityDecisionRow)
          .find({ select: { decisionId: true, recordedAt: true }, where: { decisionId: In(dated.map((d) => d.decisionId)) } })
      : [];
    const recordedBy = new Set(recorded.filter((r) => Date.parse(r.recordedAt) <= instantMs).map((r) => r.decisionId));
    const register = dated
      .filter((d) => recordedBy.has(d.decisionId))
      .sort((a, b) => (a.decidedOn < b.decidedOn ? -1 : a.decidedOn > b.decidedOn ? 1 : a.decisionId < b.decisionId ? -1 : 1));

    const cadreAt = await this.temporal.cadresAt([
      ...overdueItems.map((i) => i.cadreId),
      ...register.filter((d) => d.target.kind === 'cadre').map((d) => d.target.id),
    ]);
    const cadreName = (id: string) => cadreAt(id, position)?.name ?? id;
    const titles = new Map<string, string>();
    const title = async (itemId: string) => {
      if (!titles.has(itemId)) titles.set(itemId, (await this.temporal.item(itemId, cut))?.title ?? itemId);
      return titles.get(itemId)!;
    };
    const unitAt = await this.temporal.unitNamesAt(facts.map((f) => ({ id: f.unitId, position: Number(f.position) })));

    const returns: BulletinReturn[] = [];
    for (const f of facts) {
      returns.push({
        itemId: f.itemId,
        title: await title(f.itemId),
        unitName: unitAt(f.unitId, Number(f.position))?.name ?? unitName.get(f.unitId) ?? f.unitId,
        day: f.day,
      });
    }
    const decisions: BulletinDecision[] = [];
    for (const d of register) {
      decisions.push({
        itemId: d.itemId,
        title: await title(d.itemId),
        targetKind: d.target.kind,
        targetName: d.target.kind === 'cadre' ? cadreName(d.target.id) : (unitName.get(d.target.id) ?? d.target.id),
        form: d.form,
        dispositionForm: d.dispositionForm,
        decidedBy: d.decidedBy,
        decidedOn: d.decidedOn,
        documentNo: d.documentNo,
        revoked: d.revoked,
      });
    }

    return {
      period: p,
      countyName: root.name,
      asOf,
      position: String(position),
      day: cut.day,
      county,
      townships,
      overdue: overdueItems.map((i) => ({
        itemId: i.id,
        title: i.title,
        unitName: unitName.get(i.unitId) ?? i.unitId,
        cadreName: cadreName(i.cadreId),
        dueDate: i.dueDate,
        daysOverdue: Math.round((Date.parse(`${cut.day}T00:00:00Z`) - Date.parse(`${i.dueDate}T00:00:00Z`)) / DAY_MS),
      })),
      returns,
      decisions,
    };
  }
}
