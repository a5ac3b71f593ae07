import type { Sequelize } from 'sequelize';
import { initActivityLog, type ActivityLogModel } from './activity-log.js';
import { initEmailOutbox, type EmailOutboxModel } from './email-outbox.js';
import {
  initEmailVerificationToken,
  type EmailVerificationTokenModel,
} from './email-verification-token.js';
import { initRefreshToken, type RefreshTokenModel } from './refresh-token.js';
import { initSession, type SessionModel } from './session.js';
import { initUser, type UserModel } from './user.js';

/**
 * The model classes of one connection. Each call defines fresh classes, so two connections in
 * one process (a test's scratch database beside the main one) never take each other's models.
 */
export interface Models {
  User: UserModel;
  Session: SessionModel;
  RefreshToken: RefreshTokenModel;
  ActivityLog: ActivityLogModel;
  EmailOutbox: EmailOutboxModel;
  EmailVerificationToken: EmailVerificationTokenModel;
}

export function initModels(sequelize: Sequelize): Models {
  return {
    User: initUser(sequelize),
    Session: initSession(sequelize),
    RefreshToken: initRefreshToken(sequelize),
    ActivityLog: initActivityLog(sequelize),
    EmailOutbox: initEmailOutbox(sequelize),
    EmailVerificationToken: initEmailVerificationToken(sequelize),
  };
}
