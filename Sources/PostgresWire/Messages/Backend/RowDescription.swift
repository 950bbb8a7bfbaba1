import NIOCore

/// RowDescription (`T`): the columns of the rows that follow.
public struct RowDescription: Sendable, Hashable {
    /// One column's description.
    public struct Column: Sendable, Hashable {
        /// The column name.
        public var name: String
        /// The OID of the source table, or 0.
        public var tableOID: UInt32
        /// The attribute number of the source column, or 0.
        public var columnAttributeNumber: Int16
        /// The OID of the data type.
        public var dataTypeOID: UInt32
        /// The data type size (`pg_type.typlen`); negative for variable-width types.
        public var dataTypeSize: Int16
        /// The type modifier (`pg_attribute.atttypmod`).
        public var typeModifier: Int32
        /// The format code; in a Describe reply always 0 (unknown yet).
        public var format: FormatCode

        /// A column; `dataTypeSize` defaults to the size PostgreSQL gives the type (`PostgresTypeSizes`).
        public init(
            name: String,
            tableOID: UInt32 = 0,
            columnAttributeNumber: Int16 = 0,
            dataTypeOID: UInt32,
            dataTypeSize: Int16? = nil,
            typeModifier: Int32 = -1,
            format: FormatCode = .text
        ) {
            self.name = name
            self.tableOID = tableOID
            self.columnAttributeNumber = columnAttributeNumber
            self.dataTypeOID = dataTypeOID
            self.dataTypeSize = dataTypeSize ?? PostgresTypeSizes.size(forOID: dataTypeOID)
            self.typeModifier = typeModifier
            self.format = format
        }

        /// Reads a Column from a message body (what follows the type byte and length); throws on malformed bytes.
        static func decode(from body: inout ByteBuffer) throws(WireFormatError) -> Column {
            let name = try body.readCString(field: "column name")
            // The fixed fields in one read when all are there (each read of a buffer is checked at run time); one by
            // one otherwise, for the error that names the first one missing.
            if let (tableOID, attribute, typeOID, size, modifier, format) = body.readMultipleIntegers(
                as: (UInt32, Int16, UInt32, Int16, Int32, Int16).self)
            {
                return Column(
                    name: name, tableOID: tableOID, columnAttributeNumber: attribute, dataTypeOID: typeOID,
                    dataTypeSize: size, typeModifier: modifier, format: FormatCode(rawValue: format))
            }
            return Column(
                name: name,
                tableOID: try body.readWireInteger(field: "table OID"),
                columnAttributeNumber: try body.readWireInteger(field: "column attribute number"),
                dataTypeOID: try body.readWireInteger(field: "data type OID"),
                dataTypeSize: try body.readWireInteger(field: "data type size"),
                typeModifier: try body.readWireInteger(field: "type modifier"),
                format: try FormatCode.read(from: &body, field: "format code")
            )
        }

        /// Writes the message body (without the type byte and length) into `buffer`.
        func encode(into buffer: inout ByteBuffer) {
            buffer.writeCString(name)
            buffer.writeMultipleIntegers(
                tableOID,
                columnAttributeNumber,
                dataTypeOID,
                dataTypeSize,
                typeModifier,
                format.rawValue
            )
        }
    }

    /// The columns in order.
    public var columns: [Column]

    /// A RowDescription of `columns`, in order.
    public init(columns: [Column]) {
        self.columns = columns
    }

    /// Reads a RowDescription from a message body (what follows the type byte and length); throws on malformed bytes.
    static func decode(from body: inout ByteBuffer) throws(WireFormatError) -> RowDescription {
        RowDescription(
            columns: try body.readCountedArray(field: "columns") { buffer throws(WireFormatError) in
                try Column.decode(from: &buffer)
            })
    }

    /// Writes the message body (without the type byte and length) into `buffer`.
    func encode(into buffer: inout ByteBuffer) {
        buffer.writeCountedArray(columns) { $1.encode(into: &$0) }
    }
}
