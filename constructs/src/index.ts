export * from './certificate';
export * from './emulator';
export * from './enums';
export * from './names';
export * from './self-check';
export * from './sts-ca-bundle';
export * from './workload';
