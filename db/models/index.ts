import type { Sequelize } from 'sequelize';
import { ActivityLog, initActivityLog } from './activity-log.js';
import { RefreshToken, initRefreshToken } from './refresh-token.js';
import { Session, initSession } from './session.js';
import { User, initUser } from './user.js';

export { ActivityLog, RefreshToken, Session, User };

export interface Models {
  User: typeof User;
  Session: typeof Session;
  RefreshToken: typeof RefreshToken;
  ActivityLog: typeof ActivityLog;
}

export function initModels(sequelize: Sequelize): Models {
  initUser(sequelize);
  initSession(sequelize);
  initRefreshToken(sequelize);
  initActivityLog(sequelize);
  return { User, Session, RefreshToken, ActivityLog };
}
