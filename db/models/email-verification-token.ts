import {
  DataTypes,
  Model,
  type CreationOptional,
  type InferAttributes,
  type InferCreationAttributes,
  type Sequelize,
} from 'sequelize';

export class EmailVerificationTokenRow extends Model<
  InferAttributes<EmailVerificationTokenRow>,
  InferCreationAttributes<EmailVerificationTokenRow>
> {
  /** SHA-256 (hex) of the token mailed to the user; the token itself is never stored. */
  declare tokenHash: string;
  declare userId: string;
  declare email: string;
  declare expiresAt: Date;
  declare createdAt: CreationOptional<Date>;
}

export function initEmailVerificationToken(sequelize: Sequelize): typeof EmailVerificationTokenRow {
  // A class of its own per connection, initialised here; EmailVerificationTokenRow itself never is.
  class EmailVerificationToken extends EmailVerificationTokenRow {}

  EmailVerificationToken.init(
    {
      tokenHash: { type: DataTypes.CHAR(64), primaryKey: true },
      userId: { type: DataTypes.UUID, allowNull: false },
      email: { type: DataTypes.CITEXT, allowNull: false },
      expiresAt: { type: DataTypes.DATE, allowNull: false },
      createdAt: DataTypes.DATE,
    },
    {
      sequelize,
      tableName: 'email_verification_tokens',
      modelName: 'EmailVerificationToken',
      updatedAt: false,
    },
  );
  return EmailVerificationToken;
}

/** A model class of its own per connection: no process-wide state shared between databases. */
export type EmailVerificationTokenModel = typeof EmailVerificationTokenRow;
