// The write pipeline: prepare (before the transaction) → store (in it) → afterCommit (the outbox).
export * from './repository';
export * from './repository-types';
export * from './prepare';
export * from './stages';
