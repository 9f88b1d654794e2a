import { ConfigError, DEFAULT_COMMAND_CACHE_STREAMS, loadConfig } from './config';

describe('configuration: LEDGER_COMMAND_CACHE_STREAMS', () => {
  it('bounds the command path cache: the default, a value, 0 (no cache)', () => {
    expect(loadConfig({}).commandCacheStreams).toBe(DEFAULT_COMMAND_CACHE_STREAMS);
    expect(loadConfig({ LEDGER_COMMAND_CACHE_STREAMS: '2000' }).commandCacheStreams).toBe(2000);
    expect(loadConfig({ LEDGER_COMMAND_CACHE_STREAMS: '0' }).commandCacheStreams).toBe(0);
  });

  it('a value that is not a whole number stops the start with the variable named', () => {
    expect(() => loadConfig({ LEDGER_COMMAND_CACHE_STREAMS: '-1' })).toThrow(ConfigError);
    expect(() => loadConfig({ LEDGER_COMMAND_CACHE_STREAMS: 'lots' })).toThrow(/LEDGER_COMMAND_CACHE_STREAMS=lots/);
  });
});
