import * as fs from 'node:fs';
import { problemMessage } from '../apps/web/src/problems';
import { rowsToCsv } from '../apps/web/src/csv';
import { SSO_ERROR_TEXT, ssoErrorText } from '../apps/web/src/sso';

/** API problems become one Chinese sentence; exports are CSV that Excel reads (apps/web/src). */
describe('web app: problem details in Chinese', () => {
  it('names a known rejection code in Chinese', () => {
    expect(problemMessage(409, { code: 'ITEM_NOT_REPORTED', detail: 'item is not reported' }).message).toBe('该事项尚未反馈办结，不能审核');
    expect(problemMessage(412, { code: 'STALE_REVISION', detail: 'x' }).message).toContain('已被他人更新');
  });

  it("falls back to the API's detail for an unknown code, then to the status", () => {
    expect(problemMessage(409, { code: 'SOMETHING_NEW', detail: '新规则不允许' }).message).toBe('新规则不允许');
    expect(problemMessage(503, null).message).toBe('数据正在同步，请稍后重试');
    expect(problemMessage(418, null).message).toBe('请求失败（418）');
  });

  it('names invalid fields in Chinese', () => {
    const e = problemMessage(400, {
      code: 'VALIDATION_FAILED',
      errors: [
        { field: 'summary', messages: ['summary should not be empty'] },
        { field: 'evidence[0].sha256', messages: ['bad'] },
      ],
    });
    expect(e.message).toBe('填写的内容有误');
    expect(e.fieldErrors).toEqual(['请检查“办结情况”', '请检查“SHA-256”']);
  });

  it('says 403 and 401 in Chinese whatever the detail', () => {
    expect(problemMessage(403, { code: 'OUT_OF_SCOPE', detail: 'unit out of scope' }).message).toBe('无权查看或办理其他单位的事项');
    expect(problemMessage(403, { detail: 'forbidden' }).message).toBe('无权执行此操作');
    expect(problemMessage(401, { detail: 'jwt expired' }).message).toContain('重新登录');
  });
});

describe('web app: client-side CSV of the rows shown', () => {
  it('quotes what needs quoting and starts with a BOM', async () => {
    const blob = rowsToCsv(
      ['单位', '说明'],
      [
        ['城关镇党委', '含,逗号'],
        ['大华镇', '含"引号"'],
      ],
    );
    const text = Buffer.from(await blob.arrayBuffer()).toString('utf8');
    expect(text).toBe('\uFEFF单位,说明\r\n城关镇党委,"含,逗号"\r\n大华镇,"含""引号"""');
  });
});

describe('web app: 统一身份认证 refusals in Chinese', () => {
  it('says each refusal code the callback sends back, and an unknown one by its code', () => {
    expect(ssoErrorText('SSO_UNKNOWN_ACCOUNT')).toBe('您在统一身份认证平台的身份在本系统没有可用账号，请联系安全管理员开通');
    expect(ssoErrorText('SSO_TOKEN_EXPIRED')).toContain('身份令牌未通过校验');
    expect(ssoErrorText('ACCOUNT_LOCKED')).toBe('账号已被管理员锁定，请联系安全管理员');
    expect(ssoErrorText('SSO_SOMETHING_NEW')).toBe('统一身份认证登录失败（SSO_SOMETHING_NEW），请重试或使用账号密码登录');
  });

  it('has a sentence for every code the API callback can send (read from its source, not from this table)', () => {
    const source = ['apps/api/src/auth/oidc/oidc.service.ts', 'apps/api/src/auth/oidc/oidc.routes.ts'].map((f) => fs.readFileSync(f, 'utf8')).join('\n');
    const codes = [...new Set([...source.matchAll(/'(SSO_[A-Z_]+)'/g)].map((m) => m[1]))];
    expect(codes.length).toBeGreaterThanOrEqual(12);
    expect(codes.filter((c) => !(c in SSO_ERROR_TEXT))).toEqual([]);
  });
});
