/** Wall-clock time of each step, printed as it finishes so a slow step shows in the test output. */
export class StepTimer {
  readonly steps: Array<{ name: string; ms: number }> = [];

  async step<T>(name: string, work: () => Promise<T>): Promise<T> {
    const started = Date.now();
    try {
      return await work();
    } finally {
      const ms = Date.now() - started;
      this.steps.push({ name, ms });
      process.stdout.write(`e2e: ${name.padEnd(58)} ${String(ms).padStart(7)} ms\n`);
    }
  }
}
