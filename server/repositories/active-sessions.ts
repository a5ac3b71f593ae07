import { Op } from 'sequelize';
import type { Models } from '../../db/models/index.js';
import type { SessionRecord } from './types.js';

/** The sessions a person still has: not revoked, not expired. Newest first. */
export function createActiveSessionRepository({ Session }: Models) {
  return {
    async listForUser(userId: string, now: Date): Promise<SessionRecord[]> {
      return Session.findAll({
        where: { userId, revokedAt: null, expiresAt: { [Op.gt]: now } },
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
