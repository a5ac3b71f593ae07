import type { Database } from '../../db/connection.js';
import { createAccountLifecycleRepository } from './account-lifecycle.js';
import { createActivityRepository } from './activity.js';
import { createEmailOutboxRepository } from './email-outbox.js';
import { createEmailVerificationTokenRepository } from './email-verification-tokens.js';
import { createMfaRepository } from './mfa.js';
import { createSessionRepository } from './sessions.js';
import { createSigningKeyRepository } from './signing-keys.js';
import { transactionRunner } from './transaction.js';
import { createUserRepository } from './users.js';

export function createRepositories(database: Database) {
  return {
    users: createUserRepository(database.sequelize, database.models, {
      preparedStatements: database.preparedStatements,
    }),
    sessions: createSessionRepository(database.sequelize, database.models),
    activity: createActivityRepository(database.sequelize, database.models),
    emailOutbox: createEmailOutboxRepository(database.sequelize, database.models),
    emailVerificationTokens: createEmailVerificationTokenRepository(
      database.sequelize,
      database.models,
    ),
    mfa: createMfaRepository(database.sequelize),
    accountLifecycle: createAccountLifecycleRepository(database.sequelize),
    signingKeys: createSigningKeyRepository(database.sequelize),
    transaction: transactionRunner(database.sequelize),
  };
}

export type Repositories = ReturnType<typeof createRepositories>;
export { onCommit, type DbTransaction } from './transaction.js';
export type * from './types.js';
