import { csvField, parseCsv, sniffDelimiter, writeCsv } from './csv';

describe('parseCsv', () => {
  it('reads quoted delimiters, doubled quotes, embedded line breaks and every line ending', () => {
    const text = 'a,"b,c","d""e"\r\n"多\r\n行",,\n"末尾"\rx';
    expect(parseCsv(text)).toEqual([
      { row: 1, fields: ['a', 'b,c', 'd"e'] },
      { row: 2, fields: ['多\r\n行', '', ''] },
      { row: 3, fields: ['末尾'] },
      { row: 4, fields: ['x'] },
    ]);
  });

  it('a final line break ends the last record; blank lines are records (Excel shows them as rows)', () => {
    expect(parseCsv('a\r\n\r\nb\r\n')).toEqual([
      { row: 1, fields: ['a'] },
      { row: 2, fields: [''] },
      { row: 3, fields: ['b'] },
    ]);
    expect(parseCsv('')).toEqual([]);
    expect(parseCsv('a,\r\n,b')).toEqual([
      { row: 1, fields: ['a', ''] },
      { row: 2, fields: ['', 'b'] },
    ]);
    // Lenient where Excel is: an unterminated quote runs to the end, a quote inside a bare field is text.
    expect(parseCsv('x,"ab\r\nc')).toEqual([{ row: 1, fields: ['x', 'ab\r\nc'] }]);
    expect(parseCsv('5"寸,"a"b')).toEqual([{ row: 1, fields: ['5"寸', 'ab'] }]);
  });

  it('sniffs tabs only when the first line has no commas', () => {
    expect(sniffDelimiter('序号\t事项\r\n1\t甲,乙')).toBe('\t');
    expect(sniffDelimiter('序号,事项\t说明')).toBe(',');
    expect(parseCsv('a\t"b\tc"', '\t')).toEqual([{ row: 1, fields: ['a', 'b\tc'] }]);
  });
});

describe('writeCsv', () => {
  it('writes a BOM, CRLF, and quotes only what needs quoting; parseCsv reads it back', () => {
    const rows = [
      ['事项', '说明'],
      ['a,b', 'say "hi"'],
      ['两\n行', ' 前导空格'],
    ];
    const body = writeCsv(rows);
    expect([...body.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const text = body.subarray(3).toString('utf8');
    expect(text).toBe('事项,说明\r\n"a,b","say ""hi"""\r\n"两\n行"," 前导空格"\r\n');
    expect(parseCsv(text).map((r) => r.fields)).toEqual(rows);
    expect(csvField('plain')).toBe('plain');
  });
});
