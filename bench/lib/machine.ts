import * as os from 'node:os';

export interface Machine {
  cpuModel: string;
  cores: number;
  nodeVersion: string;
  platform: string;
  totalMemoryGb: number;
  loadAverage: number[];
}

export function machine(): Machine {
  const cpus = os.cpus();
  return {
    cpuModel: cpus[0]?.model?.trim() ?? 'unknown',
    cores: cpus.length,
    nodeVersion: process.version,
    platform: `${os.platform()} ${os.release()}`,
    totalMemoryGb: Math.round(os.totalmem() / 2 ** 30),
    loadAverage: os.loadavg().map((l) => Math.round(l * 100) / 100),
  };
}

export function describeMachine(m: Machine): string {
  return `${m.cores} × ${m.cpuModel}, Node ${m.nodeVersion}, ${m.platform}, ${m.totalMemoryGb} GB RAM, load ${m.loadAverage.join(' / ')} at start`;
}
