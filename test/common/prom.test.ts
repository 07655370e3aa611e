import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import * as promIndex from 'prom-client';
import { Counter, Gauge, Histogram, Registry } from '../../emulator/src/common/prom';

const ROOT = join(__dirname, '..', '..');

describe('common/prom', () => {
  it('exports the same classes as the prom-client index', () => {
    expect(Registry).toBe(promIndex.Registry);
    expect(Counter).toBe(promIndex.Counter);
    expect(Gauge).toBe(promIndex.Gauge);
    expect(Histogram).toBe(promIndex.Histogram);
  });

  it('renders metrics registered through it', async () => {
    const registry = new Registry();
    new Counter({ name: 'probe_total', help: 'probe', registers: [registry] }).inc(2);
    expect(await registry.metrics()).toContain('probe_total 2');
  });

  it('does not load @opentelemetry/api or prom-client default metrics with the sidecar and webhook metrics', () => {
    // A fresh process: this jest worker has loaded the prom-client index above.
    const loaded = execFileSync(
      process.execPath,
      [
        '-e',
        `require(${JSON.stringify(join(ROOT, 'emulator/lib/sidecar/metrics.js'))});
         require(${JSON.stringify(join(ROOT, 'emulator/lib/webhook/server/metrics.js'))});
         process.stdout.write(JSON.stringify(Object.keys(require.cache)));`,
      ],
      { encoding: 'utf8' },
    );
    const modules: string[] = JSON.parse(loaded);
    expect(modules.some((m) => m.includes('prom-client/lib/counter.js'))).toBe(true);
    expect(
      modules.filter((m) => /@opentelemetry|prom-client\/(index|lib\/defaultMetrics)\.js/.test(m)),
    ).toEqual([]);
  });
});
