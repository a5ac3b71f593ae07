import { Op } from 'sequelize';
import type { Models } from '../../db/models/index.js';
import type { SessionRecord } from './types.js';

/** The sessions a person still has: not revoked, not expired. Newest first. */
export function createActiveSessionRepository({ Session }: Models) {
  return {
    /** `loginCutoff`: sessions logged in at or before it have passed their maximum age. */
    async listForUser(userId: string, now: Date, loginCutoff: Date): Promise<SessionRecord[]> {
      return Session.findAll({
        where: {
          userId,
          revokedAt: null,
          expiresAt: { [Op.gt]: now },
          createdAt: { [Op.gt]: loginCutoff },
        },
        order: [
          ['createdAt', 'DESC'],
          ['id', 'DESC'],
        ],
        raw: true,
      }) as Promise<SessionRecord[]>;
    },
  };
}

export type ActiveSessionRepository = ReturnType<typeof createActiveSessionRepository>;
