/** The demo county: Huangyuan (湟源县), Qinghai, as the seed report describes it. */
export interface DemoUnit {
  key: string;
  name: string;
  kind: 'county_committee' | 'township_committee' | 'working_committee' | 'general_branch' | 'branch' | 'party_group';
  parent?: string;
}

export const COUNTY: DemoUnit = { key: 'county', name: '中共湟源县委员会', kind: 'county_committee' };

const TOWNSHIPS: Array<[string, string, string[]]> = [
  ['chengguan', '城关镇', ['城关镇西岗社区', '城关镇明清街社区', '城关镇董家庄村']],
  ['dahua', '大华镇', ['大华镇黄茂村', '大华镇大华村', '大华镇池汉村']],
  ['dongxia', '东峡镇', ['东峡镇东峡村', '东峡镇下脖项村']],
  ['riyue', '日月藏族乡', ['日月藏族乡日月村', '日月藏族乡兔尔干村']],
  ['heping', '和平乡', ['和平乡茶曲村', '和平乡和平村']],
  ['bohang', '波航乡', ['波航乡波航村', '波航乡上胡丹村']],
  ['shenzhong', '申中乡', ['申中乡莫布拉村', '申中乡前沟村', '申中乡申中村']],
  ['bayan', '巴燕乡', ['巴燕乡巴燕村', '巴燕乡下寺村']],
  ['sizhai', '寺寨乡', ['寺寨乡长岭村', '寺寨乡寺寨村']],
];

export function demoUnits(): DemoUnit[] {
  const units: DemoUnit[] = [COUNTY];
  units.push({ key: 'organs', name: '县直机关党工委', kind: 'working_committee', parent: 'county' });
  units.push({ key: 'organs-edu', name: '县教育局党总支', kind: 'general_branch', parent: 'organs' });
  for (const [key, name, villages] of TOWNSHIPS) {
    units.push({ key, name: `中共${name}委员会`, kind: 'township_committee', parent: 'county' });
    villages.forEach((v, i) => {
      const branch = v.endsWith('社区') ? `${v}党支部` : `${v}党支部`;
      units.push({ key: `${key}-${i}`, name: branch, kind: 'branch', parent: key });
    });
  }
  units.push({ key: 'chengguan-0-g1', name: '城关镇西岗社区第一党小组', kind: 'party_group', parent: 'chengguan-0' });
  return units;
}

export const SURNAMES =
  '王李张刘陈杨赵黄周吴徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蔡蒋余杜叶程魏苏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤'.split(
    '',
  );
export const GIVEN = '建国志强海军永红文华国庆德明晓东卫东春梅秀兰玉梅桂英丽娟建华海燕志华国华建平红梅玉兰才让卓玛扎西措毛索南拉毛'.match(/../g) as string[];

export const POSTS_TOWNSHIP = ['党委书记', '党委副书记', '组织委员', '纪委书记'];
export const POSTS_VILLAGE = ['村党支部书记', '第一书记', '驻村工作队员', '包村干部'];

export const SHEETS = [
  { key: 's1', number: '湟组交〔2026〕12号', title: '2026年基层党建重点任务交办单', source: '县委组织部' },
  { key: 's2', number: '湟督交〔2026〕7号', title: '组织体系建设年专项督查问题整改交办单', source: '县委督查室' },
  { key: 's3', number: '湟组交〔2026〕21号', title: '村级集体经济发展及软弱涣散党组织整顿任务清单', source: '县委组织部' },
];

export const ITEM_TITLES = [
  ['落实“三会一课”制度，规范组织生活', '按季度召开支部党员大会，每月召开支委会，按时上好党课，会议记录完整规范。'],
  ['整顿软弱涣散村党组织', '对照整顿标准逐项销号，配强班子，建立整改台账，按期报送整改报告。'],
  ['发展壮大村级集体经济', '制定年度增收计划，盘活闲置资产资源，集体经济收入较上年增长10%以上。'],
  ['易地搬迁党员区域化学习', '建立搬迁党员台账，落实就近参加组织生活，每季度至少组织一次集中学习。'],
  ['党员活动室规范化建设', '活动室标识、制度上墙、设施配备达到县定标准，并向群众开放。'],
  ['驻村工作队管理考核', '落实驻村工作队员在岗考勤，报送季度工作纪实，开展群众满意度测评。'],
  ['党建责任制落实情况自查', '对照党建工作责任清单逐项自查，形成自查报告及问题清单。'],
  ['发展党员工作规范化', '严格执行发展党员工作流程，档案材料齐全，年度发展计划按期完成。'],
  ['“红色驿站”服务阵地建设', '打造红色驿站服务点，配备服务设施，建立服务台账。'],
  ['党费收缴使用管理', '按月足额收缴党费，建立收缴台账，按规定上缴。'],
  ['村“两委”班子分析研判', '开展村“两委”班子运行情况分析研判，形成研判报告并提出调整建议。'],
  ['星级化考核资料报送', '按照星级化考核细则报送佐证材料，完成自评打分。'],
  ['基层党组织书记培训', '组织村党组织书记参加县级轮训，培训率达到100%。'],
  ['党务公开规范化', '按季度公开党务，公开内容真实完整，留存影像资料。'],
  ['流动党员管理服务', '摸清流动党员底数，建立联系台账，落实“一人一档”。'],
];
