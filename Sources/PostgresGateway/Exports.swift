@_exported import PostgresWire
