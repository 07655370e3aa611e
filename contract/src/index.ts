export * from './aws';
export * from './defaults';
export * from './flags';
export * from './metrics';
export * from './names';
export * from './rule';
export * from './rules';
