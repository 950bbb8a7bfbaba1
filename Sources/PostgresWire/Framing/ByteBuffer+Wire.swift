import NIOCore

extension ByteBuffer {
    /// Reads a big-endian integer or throws `truncated` naming `field`.
    @inlinable
    mutating func readWireInteger<T: FixedWidthInteger>(
        as: T.Type = T.self,
        field: @autoclosure () -> String
    ) throws(WireFormatError) -> T {
        guard let value = self.readInteger(endianness: .big, as: T.self) else {
            throw .truncated(field: field())
        }
        return value
    }

    /// Reads a zero-terminated string: UTF-8, with bytes that are not valid UTF-8 kept escaped (``WireText``).
    mutating func readCString(field: @autoclosure () -> String) throws(WireFormatError) -> String {
        // Found and validated in place, as a C string: the generic `String(validating:as:)` looks type metadata up
        // at run time, and a view of the bytes retains their storage, once per string read.
        let found: (length: Int, string: String?)? = self.withUnsafeReadableBytes { raw in
            guard let length = raw.firstIndex(of: 0) else { return nil }
            // The unnamed statement and portal: no string to validate or make.
            if length == 0 { return (0, "") }
            return (length, raw.withMemoryRebound(to: CChar.self) { String(validatingCString: $0.baseAddress!) })
        }
        guard let (length, valid) = found else {
            throw .missingTerminator(field: field())
        }
        let string = valid ?? WireText.decode(self.readableBytesView.prefix(length))
        self.moveReaderIndex(forwardBy: length + 1)
        return string
    }

    /// Writes `string` (escaped bytes as themselves) followed by a zero byte.
    mutating func writeCString(_ string: String) {
        writeWireText(string)
        self.writeInteger(UInt8(0))
    }

    /// Writes the bytes `string` stands for: its UTF-8, with ``WireText``'s escaped bytes (text that was not
    /// UTF-8) as themselves.
    public mutating func writeWireText(_ string: String) {
        // An escaped byte's scalar starts with F4 in UTF-8: most strings need no closer look.
        if string.utf8.contains(0xF4), WireText.hasEscapedBytes(string) {
            self.writeBytes(WireText.originalBytes(string))
        } else {
            self.writeString(string)
        }
    }

    /// Reads an `Int32` length followed by that many bytes; `-1` is NULL.
    mutating func readNullableBytes(field: @autoclosure () -> String) throws(WireFormatError) -> ByteBuffer? {
        let length = try self.readWireInteger(as: Int32.self, field: field())
        if length == -1 {
            return nil
        }
        guard length >= 0 else {
            throw .negativeLength(field: field(), value: Int64(length))
        }
        guard let bytes = self.readSlice(length: Int(length)) else {
            throw .truncated(field: field())
        }
        return bytes
    }

    /// Writes an `Int32` length and the bytes, or `-1` for NULL.
    mutating func writeNullableBytes(_ bytes: ByteBuffer?) {
        if let bytes {
            self.writeInteger(Int32(bytes.readableBytes))
            self.writeImmutableBuffer(bytes)
        } else {
            self.writeInteger(Int32(-1))
        }
    }

    /// Reads a `UInt16` count followed by that many elements.
    mutating func readCountedArray<Element>(
        field: String,
        _ readElement: (inout ByteBuffer) throws(WireFormatError) -> Element
    ) throws(WireFormatError) -> [Element] {
        let count = try self.readWireInteger(as: UInt16.self, field: "\(field) count")
        var elements: [Element] = []
        elements.reserveCapacity(min(Int(count), self.readableBytes))
        for _ in 0..<count {
            elements.append(try readElement(&self))
        }
        return elements
    }

    /// Writes a `UInt16` count followed by the elements; see ``writeCount(_:of:)``.
    mutating func writeCountedArray<Element>(_ elements: [Element], _ writeElement: (inout ByteBuffer, Element) -> Void)
    {
        self.writeCount(elements.count, of: Element.self)
        for element in elements {
            writeElement(&self, element)
        }
    }

    /// Writes a 16-bit element count, which PostgreSQL reads unsigned (`pq_getmsgint(msg, 2)`).
    ///
    /// More than 65535 elements cannot be encoded; cutting the count would send a different, malformed
    /// message, so that is a programming error and stops the process.
    mutating func writeCount<Element>(_ count: Int, of element: Element.Type) {
        guard let wireCount = UInt16(exactly: count) else {
            preconditionFailure("\(count) \(element) elements do not fit a message's 16-bit count (at most 65535)")
        }
        self.writeInteger(wireCount)
    }

    /// Throws unless the buffer has been read to its end.
    func expectFullyRead() throws(WireFormatError) {
        if self.readableBytes > 0 {
            throw .trailingBytes(count: self.readableBytes)
        }
    }

    /// Takes the rest of the buffer as a slice.
    mutating func readRemainingSlice() -> ByteBuffer {
        self.readSlice(length: self.readableBytes)!
    }
}

extension ByteBuffer {
    /// Writes a typed message: the type byte, a length placeholder, the body, then patches the length.
    mutating func writeTypedMessage(_ typeByte: UInt8, body: (inout ByteBuffer) -> Void) {
        self.writeInteger(typeByte)
        let lengthIndex = self.writerIndex
        self.writeInteger(Int32(0))
        body(&self)
        self.setInteger(Int32(self.writerIndex - lengthIndex), at: lengthIndex)
    }

    /// Reads the rest of a BackendKeyData or CancelRequest body as a cancel key of 4 to 256 bytes.
    mutating func readSecretKey() throws(WireFormatError) -> [UInt8] {
        let key = self.readBytes(length: self.readableBytes)!
        guard (4...WireLimits.maximumCancelKeyLength).contains(key.count) else {
            throw .invalidValue(field: "secret key length", value: Int64(key.count))
        }
        return key
    }
}
