import { createLogger, type Logger } from '../../emulator/src/common/logger';

/** A real sidecar logger whose JSON lines are kept for assertions. */
export function capturedLogger(level = 'debug'): { log: Logger; lines: () => Record<string, unknown>[] } {
  const raw: string[] = [];
  const log = createLogger('sidecar', { level, destination: { write: (line: string) => raw.push(line) } });
  return { log, lines: () => raw.map((line) => JSON.parse(line) as Record<string, unknown>) };
}
