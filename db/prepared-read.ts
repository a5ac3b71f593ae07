/**
 * A prepared SELECT on a connection from Sequelize's own pool, for the reads on the
 * authenticated hot path.
 *
 * `sequelize.query` costs about twice the CPU of the query it runs (75 against 35 µs for a
 * primary-key SELECT on the 2-core development machine): a Query object, lodash passes over the
 * options, a logging closure and an `Error` captured for its stack on every call. This borrows a
 * connection from the same pool (so DB_POOL_MAX still bounds everything), runs a named
 * statement (parsed once per connection) and gives it back. Rows come through the connection's
 * own type parsers, the same as `sequelize.query` returns; failures surface as the same
 * Sequelize errors, so error mapping (503 when the database is unreachable) is unchanged.
 *
 * Behind a transaction-pooling PgBouncer (before 1.21), RDS Proxy or Supabase's pooler a named
 * statement lives on one server connection while the next transaction may get another, which
 * answers `prepared statement "..." does not exist`. There (`named: false`, from
 * DB_PREPARED_STATEMENTS=false) the same text goes as an unnamed statement: parsed each time,
 * but parse, bind and execute travel in one round trip that every pooler passes through.
 */
import { DatabaseError, type Sequelize } from 'sequelize';

interface PgConnection {
  query<Row>(statement: {
    name?: string;
    text: string;
    values: unknown[];
  }): Promise<{ rows: Row[] }>;
  /** Sequelize's pool discards a connection it finds marked so. */
  _invalid?: boolean;
}

interface PooledConnectionManager {
  getConnection(options: { type: 'read' | 'write' }): Promise<PgConnection>;
  releaseConnection(connection: PgConnection): void;
}

export interface PreparedStatement {
  /** Unique per statement text: PostgreSQL keeps it per connection under this name. */
  name: string;
  text: string;
}

/** The connection cannot be trusted after these (the same list as Sequelize's query layer). */
const BROKEN_CONNECTION =
  /^(ECONNRESET)$|Unable to set non-blocking|SSL SYSCALL error: EOF|Query read timeout/;

export async function preparedRead<Row>(
  sequelize: Sequelize,
  statement: PreparedStatement,
  values: unknown[],
  named = true,
): Promise<Row[]> {
  const manager = sequelize.connectionManager as unknown as PooledConnectionManager;
  const connection = await manager.getConnection({ type: 'read' });
  try {
    const result = await connection.query<Row>(
      named ? { ...statement, values } : { text: statement.text, values },
    );
    return result.rows;
  } catch (error) {
    const { code, message } = error as { code?: string; message?: string };
    if (BROKEN_CONNECTION.test(code ?? '') || BROKEN_CONNECTION.test(message ?? '')) {
      connection._invalid = true;
    }
    throw new DatabaseError(
      Object.assign(error as Error, { sql: statement.text, parameters: values }),
    );
  } finally {
    manager.releaseConnection(connection);
  }
}
