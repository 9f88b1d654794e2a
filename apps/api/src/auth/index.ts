export * from './auth.errors';
export * from './auth.guard';
export * from './current-actor.decorator';
export * from './public.decorator';
export * from './roles.decorator';
