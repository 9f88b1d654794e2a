export * from './actor';
export * from './payloads';
export * from './catalogue';
export * from './upcasting';
export * from './labels';
export * from './item-acts';
