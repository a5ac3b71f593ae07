import type { Sequelize } from 'sequelize';
import { ActivityLog, initActivityLog } from './activity-log.js';
import { EmailOutbox, initEmailOutbox } from './email-outbox.js';
import { EmailVerificationToken, initEmailVerificationToken } from './email-verification-token.js';
import { RefreshToken, initRefreshToken } from './refresh-token.js';
import { Session, initSession } from './session.js';
import { User, initUser } from './user.js';

export { ActivityLog, EmailOutbox, EmailVerificationToken, RefreshToken, Session, User };

export interface Models {
  User: typeof User;
  Session: typeof Session;
  RefreshToken: typeof RefreshToken;
  ActivityLog: typeof ActivityLog;
  EmailOutbox: typeof EmailOutbox;
  EmailVerificationToken: typeof EmailVerificationToken;
}

export function initModels(sequelize: Sequelize): Models {
  initUser(sequelize);
  initSession(sequelize);
  initRefreshToken(sequelize);
  initActivityLog(sequelize);
  initEmailOutbox(sequelize);
  initEmailVerificationToken(sequelize);
  return { User, Session, RefreshToken, ActivityLog, EmailOutbox, EmailVerificationToken };
}
