import { Op, QueryTypes, type Sequelize } from 'sequelize';
import type { Models } from '../../db/models/index.js';
import type { DbTransaction } from './transaction.js';
import type { Origin, RefreshTokenRecord, SessionRecord } from './types.js';

export interface SessionState {
  userId: string;
  revoked: boolean;
  /** The login: a session's absolute end counts from here. */
  createdAt: Date;
  /** The end as of the last refresh. */
  expiresAt: Date;
  userActive: boolean;
}

/** A refresh token about to be stored in a session (its id and use come from the database). */
export interface NewRefreshToken {
  sessionId: string;
  tokenHash: string;
  parentId: string | null;
  issuedAt: Date;
  expiresAt: Date;
}

export function createSessionRepository(sequelize: Sequelize, { Session, RefreshToken }: Models) {
  async function addRefreshToken(
    token: NewRefreshToken,
    transaction?: DbTransaction,
  ): Promise<RefreshTokenRecord> {
    const created = await RefreshToken.create(token, { transaction });
    return created.get({ plain: true }) as RefreshTokenRecord;
  }

  return {
    async create(
      session: { userId: string; expiresAt: Date; now: Date } & Origin,
      transaction?: DbTransaction,
    ): Promise<SessionRecord> {
      const created = await Session.create(
        {
          userId: session.userId,
          createdAt: session.now,
          lastUsedAt: session.now,
          expiresAt: session.expiresAt,
          ipAddress: session.ip,
          userAgent: session.userAgent,
        },
        { transaction },
      );
      return created.get({ plain: true }) as SessionRecord;
    },

    async findById(id: string, transaction?: DbTransaction): Promise<SessionRecord | null> {
      return Session.findByPk(id, { raw: true, transaction }) as Promise<SessionRecord | null>;
    },

    /**
     * The sessions a person still has, newest first: not revoked, not expired, and logged in
     * after `loginCutoff` (those at or before it have passed their maximum age).
     */
    async listActive(userId: string, now: Date, loginCutoff: Date): Promise<SessionRecord[]> {
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

    /** What the authenticated hot path needs to know, in one primary-key lookup. */
    async findState(sessionId: string, transaction?: DbTransaction): Promise<SessionState | null> {
      const rows = await sequelize.query<{
        user_id: string;
        revoked_at: Date | null;
        created_at: Date;
        expires_at: Date;
        is_active: boolean;
      }>(
        `SELECT s.user_id, s.revoked_at, s.created_at, s.expires_at, u.is_active
           FROM sessions s JOIN users u ON u.id = s.user_id
          WHERE s.id = $1`,
        { bind: [sessionId], type: QueryTypes.SELECT, transaction },
      );
      const row = rows[0];
      if (!row) return null;
      return {
        userId: row.user_id,
        revoked: row.revoked_at !== null,
        createdAt: row.created_at,
        expiresAt: row.expires_at,
        userActive: row.is_active,
      };
    },

    /** Revokes sessions and every refresh token in them; returns the ids that were active. */
    async revoke(
      where: { sessionId?: string; userId?: string; exceptSessionId?: string },
      reason: string,
      now: Date,
      transaction?: DbTransaction,
    ): Promise<string[]> {
      const conditions: Record<string | symbol, unknown> = { revokedAt: null };
      if (where.sessionId) conditions.id = where.sessionId;
      if (where.userId) conditions.userId = where.userId;
      if (where.exceptSessionId) conditions.id = { [Op.ne]: where.exceptSessionId };
      const [, rows] = await Session.update(
        { revokedAt: now, revokedReason: reason },
        { where: conditions, returning: true, transaction },
      );
      const ids = rows.map((row) => row.id);
      if (ids.length) {
        await RefreshToken.update(
          { revokedAt: now },
          { where: { sessionId: ids, revokedAt: null }, transaction },
        );
      }
      return ids;
    },

    addRefreshToken,

    /**
     * The session goes on with a new refresh token: the token is stored, and the session's last
     * use and end move to the token's (a rotation, or a password change that reissues the pair).
     */
    async continueWith(
      token: NewRefreshToken,
      now: Date,
      transaction: DbTransaction,
    ): Promise<void> {
      await addRefreshToken(token, transaction);
      await Session.update(
        { lastUsedAt: now, expiresAt: token.expiresAt },
        { where: { id: token.sessionId }, transaction },
      );
    },

    /**
     * Marks an unused, unrevoked, unexpired refresh token consumed, in one statement: of two
     * concurrent refreshes of the same token, exactly one gets the row back.
     */
    async consumeRefreshToken(
      tokenHash: string,
      now: Date,
      transaction: DbTransaction,
    ): Promise<RefreshTokenRecord | null> {
      const [count, rows] = await RefreshToken.update(
        { consumedAt: now },
        {
          where: { tokenHash, consumedAt: null, revokedAt: null, expiresAt: { [Op.gt]: now } },
          returning: true,
          transaction,
        },
      );
      return count ? (rows[0]!.get({ plain: true }) as RefreshTokenRecord) : null;
    },

    async findRefreshToken(
      tokenHash: string,
      transaction?: DbTransaction,
    ): Promise<RefreshTokenRecord | null> {
      return RefreshToken.findOne({
        where: { tokenHash },
        raw: true,
        transaction,
      }) as Promise<RefreshTokenRecord | null>;
    },

    async findChildToken(
      parentId: string,
      transaction?: DbTransaction,
    ): Promise<RefreshTokenRecord | null> {
      return RefreshToken.findOne({
        where: { parentId },
        raw: true,
        transaction,
      }) as Promise<RefreshTokenRecord | null>;
    },

    async revokeRefreshTokensOfSession(sessionId: string, now: Date, transaction?: DbTransaction) {
      await RefreshToken.update(
        { revokedAt: now },
        { where: { sessionId, revokedAt: null }, transaction },
      );
    },

    /** Refresh tokens issued in [from, to] that can still be used at `now` (a key's signing span). */
    async countLiveIssuedBetween(from: Date, to: Date, now: Date): Promise<number> {
      return RefreshToken.count({
        where: {
          issuedAt: { [Op.gte]: from, [Op.lte]: to },
          expiresAt: { [Op.gt]: now },
          consumedAt: null,
          revokedAt: null,
        },
      });
    },
  };
}

export type SessionRepository = ReturnType<typeof createSessionRepository>;
