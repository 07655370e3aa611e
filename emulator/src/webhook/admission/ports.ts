/** The emulator's two ports, moved off any port the pod's own containers declare (they share one network namespace). */

export interface EmulatorPorts {
  imds: number;
  health: number;
}

export interface PortChoice {
  ports: EmulatorPorts;
  /** One line per moved port, for the AdmissionReview warnings. */
  moved: string[];
}

const FIRST_UNPRIVILEGED = 1024;
const LAST_PORT = 65535;

/** The first port at or after `preferred` (wrapping round to 1024) that is not taken. */
function firstFree(preferred: number, taken: Set<number>): number | undefined {
  const span = LAST_PORT - FIRST_UNPRIVILEGED + 1;
  for (let step = 0; step < span; step++) {
    const port = FIRST_UNPRIVILEGED + ((preferred - FIRST_UNPRIVILEGED + step) % span);
    if (!taken.has(port)) return port;
  }
  return undefined;
}

/** Each port moves only if the pod declares it; the IMDS port also steps round the preferred health port. */
export function choosePorts(preferred: EmulatorPorts, declared: ReadonlySet<number>): PortChoice | undefined {
  const imds = firstFree(preferred.imds, new Set([...declared, preferred.health]));
  if (imds === undefined) return undefined;
  const health = firstFree(preferred.health, new Set([...declared, imds]));
  if (health === undefined) return undefined;
  const moved: string[] = [];
  if (imds !== preferred.imds)
    moved.push(`the pod declares port ${preferred.imds}: the emulator serves IMDS on ${imds}`);
  if (health !== preferred.health) {
    moved.push(`the pod declares port ${preferred.health}: the emulator's health port is ${health}`);
  }
  return { ports: { imds, health }, moved };
}
