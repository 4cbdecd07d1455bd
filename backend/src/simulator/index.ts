export * from './geometry';
export * from './hospital';
export * from './hospital-simulator';
export * from './movement';
export * from './radio';
export * from './random';
