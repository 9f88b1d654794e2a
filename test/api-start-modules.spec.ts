/**
 * What the API loads at its start: the libraries that only an export or a bulletin (exceljs, docx, with
 * archiver, unzipper and jszip under exceljs) or only an EventStoreDB deployment (its gRPC client) uses
 * are loaded when first used, not by every API (docs/benchmarks.md, the API's peak RSS).
 */
const mockLoads: string[] = [];
// Each module as it is, its first load recorded (a factory runs once per registry, on the first require).
const mockLoadRecorded = (name: string): unknown => {
  mockLoads.push(name);
  return jest.requireActual(name);
};
jest.mock('exceljs', () => mockLoadRecorded('exceljs'));
jest.mock('docx', () => mockLoadRecorded('docx'));
jest.mock('@eventstore/db-client', () => mockLoadRecorded('@eventstore/db-client'));

describe('the API’s modules at start', () => {
  it('loading the API and its libraries loads none of exceljs, docx and the EventStoreDB client; the first xlsx export loads exceljs', async () => {
    await import('../apps/api/src/create-app');
    const { writeTable } = await import('../libs/sheets-io/src/export/table');
    expect(mockLoads).toEqual([]);

    const file = await writeTable(
      { sheetName: '事项', fileName: '事项', asciiFileName: 'items', columns: [{ header: '名称', kind: 'text', value: (r: { name: string }) => r.name }] },
      [{ name: '整改' }],
      'xlsx',
    );
    // An xlsx file is a zip archive: "PK".
    expect(file.body.subarray(0, 2).toString('latin1')).toBe('PK');
    expect(mockLoads).toEqual(['exceljs']);
  });
});
