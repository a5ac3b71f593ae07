import {
  DataTypes,
  Model,
  type CreationOptional,
  type InferAttributes,
  type InferCreationAttributes,
  type Sequelize,
} from 'sequelize';

/** One per login; its refresh tokens form one rotation family. */
export class SessionRow extends Model<
  InferAttributes<SessionRow>,
  InferCreationAttributes<SessionRow>
> {
  declare id: CreationOptional<string>;
  declare userId: string;
  declare createdAt: CreationOptional<Date>;
  declare lastUsedAt: Date;
  declare expiresAt: Date;
  declare revokedAt: CreationOptional<Date | null>;
  declare revokedReason: CreationOptional<string | null>;
  declare ipAddress: string | null;
  declare userAgent: string | null;
}

export function initSession(sequelize: Sequelize): typeof SessionRow {
  // A class of its own per connection, initialised here; SessionRow itself never is.
  class Session extends SessionRow {}

  Session.init(
    {
      id: { type: DataTypes.UUID, primaryKey: true, defaultValue: DataTypes.UUIDV4 },
      userId: { type: DataTypes.UUID, allowNull: false },
      createdAt: DataTypes.DATE,
      lastUsedAt: { type: DataTypes.DATE, allowNull: false },
      expiresAt: { type: DataTypes.DATE, allowNull: false },
      revokedAt: { type: DataTypes.DATE, allowNull: true },
      revokedReason: { type: DataTypes.STRING(64), allowNull: true },
      ipAddress: { type: DataTypes.INET, allowNull: true },
      userAgent: { type: DataTypes.TEXT, allowNull: true },
    },
    { sequelize, tableName: 'sessions', modelName: 'Session', updatedAt: false },
  );
  return Session;
}

/** A model class of its own per connection: no process-wide state shared between databases. */
export type SessionModel = typeof SessionRow;
