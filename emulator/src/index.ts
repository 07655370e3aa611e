/** Programmatic entry points: the command line, the sidecar in-process, and the pure admission decision. */
export { buildProgram, main } from './cli';
export { parseSidecarConfig, type SidecarConfig } from './sidecar/config';
export { type RunningSidecar, startSidecar } from './sidecar/sidecar';
export {
  type AdmissionResult,
  type InjectionSettings,
  type ReviewContext,
  reviewAdmission,
} from './webhook/admission';
