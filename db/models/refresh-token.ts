import {
  DataTypes,
  Model,
  type CreationOptional,
  type InferAttributes,
  type InferCreationAttributes,
  type Sequelize,
} from 'sequelize';

/** A refresh token is known here only by the SHA-256 of its identifier, never the raw value. */
export class RefreshTokenRow extends Model<
  InferAttributes<RefreshTokenRow>,
  InferCreationAttributes<RefreshTokenRow>
> {
  declare id: CreationOptional<string>;
  declare sessionId: string;
  declare tokenHash: string;
  declare parentId: string | null;
  declare issuedAt: Date;
  declare expiresAt: Date;
  declare consumedAt: CreationOptional<Date | null>;
  declare revokedAt: CreationOptional<Date | null>;
}

export function initRefreshToken(sequelize: Sequelize): typeof RefreshTokenRow {
  // A class of its own per connection, initialised here; RefreshTokenRow itself never is.
  class RefreshToken extends RefreshTokenRow {}

  RefreshToken.init(
    {
      id: { type: DataTypes.UUID, primaryKey: true, defaultValue: DataTypes.UUIDV4 },
      sessionId: { type: DataTypes.UUID, allowNull: false },
      tokenHash: { type: DataTypes.STRING(64), allowNull: false, unique: true },
      parentId: { type: DataTypes.UUID, allowNull: true },
      issuedAt: { type: DataTypes.DATE, allowNull: false },
      expiresAt: { type: DataTypes.DATE, allowNull: false },
      consumedAt: { type: DataTypes.DATE, allowNull: true },
      revokedAt: { type: DataTypes.DATE, allowNull: true },
    },
    { sequelize, tableName: 'refresh_tokens', modelName: 'RefreshToken', timestamps: false },
  );
  return RefreshToken;
}

/** A model class of its own per connection: no process-wide state shared between databases. */
export type RefreshTokenModel = typeof RefreshTokenRow;
