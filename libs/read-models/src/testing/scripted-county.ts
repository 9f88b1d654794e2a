import type { EventScript } from './county-script';

/**
 * The small county the read-model and query specs share, as of 2026-03-10:
 * County C; townships T1 (villages V1, V2) and T2 (village V3); cadres K1 (V1), K2 (V2), K3 (T2).
 */
export async function scriptedCounty(script: EventScript): Promise<void> {
  await script.unit('C', '湟源县委', null, 'county_committee');
  await script.unit('T1', '和平乡党委', 'C', 'township_committee');
  await script.unit('T2', '申中乡党委', 'C', 'township_committee');
  await script.unit('V1', '茶曲村党支部', 'T1');
  await script.unit('V2', '莫布拉村党支部', 'T1');
  await script.unit('V3', '前沟村党支部', 'T2');
  await script.cadre('K1', '张三', 'V1');
  await script.cadre('K2', '李四', 'V2');
  await script.cadre('K3', '王五', 'T2', '委员');
  await script.sheet('s1', '湟组交〔2026〕1号');

  await script.assign('I1', 'V1', 'K1', '2026-03-05');
  await script.acknowledge('I1', 'V1'); // in progress, past due: red
  await script.assign('I2', 'V1', 'K1', '2026-03-12'); // due within 3 days: yellow
  await script.assign('I3', 'V2', 'K2', '2026-03-20');
  await script.report('I3'); // awaiting review
  await script.assign('I4', 'V2', 'K2', '2026-03-01');
  await script.report('I4');
  await script.returnIt('I4');
  await script.report('I4');
  await script.conclude('I4', '2026-03-03', '2026-03-01'); // late
  await script.assign('I5', 'V1', 'K1', '2026-03-08');
  await script.report('I5');
  await script.conclude('I5', '2026-03-07', '2026-03-08'); // on time
  await script.strikeOff('I5');
  await script.assign('I6', 'V3', 'K3', '2026-03-15');
  await script.withdraw('I6');
  await script.assign('I7', 'V1', 'K1', '2026-03-09');
  await script.append('ExtensionRequested', { itemId: 'I7', newDueDate: '2026-04-30', currentDueDate: '2026-03-09', reason: '汛期' });
  await script.append('ExtensionGranted', { itemId: 'I7', newDueDate: '2026-04-30', previousDueDate: '2026-03-09', note: null, extensionNumber: 1 });
  await script.assign('I8', 'T1', 'K1', '2026-03-02');
  await script.append('ItemReassigned', { itemId: 'I8', unitId: 'V3', cadreId: 'K3', previousUnitId: 'T1', previousCadreId: 'K1', reason: '属地调整' });
  await script.urge('I1', 'reminder');
  await script.urge('I1', 'listed');
  await script.urge('I1', 'urge');
  const decision = (decisionId: string) =>
    script.append('AccountabilityDecided', {
      itemId: 'I1',
      decisionId,
      target: { kind: 'cadre', id: 'K1' },
      form: 'admonishment',
      dispositionForm: 1,
      decidedBy: '县纪委监委',
      decidedOn: '2026-03-09',
      documentNo: `湟纪〔2026〕${decisionId}号`,
      effectMonths: 6,
      reason: '逾期未办',
    });
  await decision('D1');
  await decision('D2');
  await script.append('AccountabilityRevoked', { itemId: 'I1', decisionId: 'D2', reason: '申诉成立', appealOutcome: '撤销' });
}
