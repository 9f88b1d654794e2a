import { InitialReadModels1764300000000 } from './1764300000000-initial-read-models';

/** Every read-model migration, oldest first; openReadModels runs the pending ones. */
export const READ_MODEL_MIGRATIONS = [InitialReadModels1764300000000];
