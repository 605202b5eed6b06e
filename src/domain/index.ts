export * from './events';
export * from './template';
export * from './subscriber';
