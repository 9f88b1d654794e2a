import { HUANGYUAN } from '../testing/fixtures';
import { parseAssignmentSheet } from './parse-assignment-sheet';

/**
 * A UTF-16 CSV carries a lone surrogate as it is (an xlsx can, through a character reference): such a
 * cell is no text, and an item stored with it would show U+FFFD in every view while the history kept
 * it. Each such cell is a problem of its row and column, like any other; nothing is imported.
 */
describe('parseAssignmentSheet: lone surrogates', () => {
  const utf16 = (...lines: string[]) => Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(lines.join('\r\n'), 'utf16le')]);

  it('names the row and column of each cell holding one', async () => {
    const result = await parseAssignmentSheet(
      utf16(
        '序号\t事项\t办理要求\t责任单位\t责任人\t完成时限',
        '1\t发展党员\ud800\t按期\t城关镇党委\t张伟\t2026-08-01',
        '2\t发展党员二\t\udc00按期\t城关镇党委\t张伟\t2026-08-01',
        '3\ud83d\t发展党员三\t按期\t城关镇党委\t张伟\t2026-08-01',
      ),
      HUANGYUAN,
    );
    expect(result.ok).toBe(false);
    expect(result.ok ? [] : result.errors.map((e) => [e.row, e.column, e.field])).toEqual([
      [2, '事项', 'title'],
      [3, '办理要求', 'requirements'],
      [4, '序号', 'serial'],
    ]);
  });

  it('keeps a well-formed pair (an emoji) exactly', async () => {
    const result = await parseAssignmentSheet(utf16('序号\t事项\t责任单位\t责任人\t完成时限', '1\t发展党员\u{1F600}\t城关镇党委\t张伟\t2026-08-01'), HUANGYUAN);
    expect(result.ok ? result.rows.map((r) => r.title) : result.errors).toEqual(['发展党员\u{1F600}']);
  });
});
