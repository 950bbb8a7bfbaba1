import NIOCore
import PostgresREPL
import PostgresWire
import Testing

/// A Bind's values as `pgw decode` prints them: typed values in binary format are encoded by the parameter's type.
extension REPLSessionTests {
    /// The last send's bytes from the first byte of the Bind's parameter values (after the format codes).
    private static func bindValues(_ sends: [[UInt8]], formatCount: Int) -> [UInt8] {
        // B, length, portal "", statement "", format count, codes, parameter count.
        Array(sends.last!.dropFirst(1 + 4 + 1 + 1 + 2 + 2 * formatCount + 2))
    }

    @Test func typedBinaryValuesAreEncodedByTheTypesTheParseGave() async {
        let (session, transport, printed) = Self.makeSession()
        #expect(await session.execute(#"Parse "select $1::int2 + 1, $2, $3, $4" [int2, float8, bool, _int4]"#) == .done)
        #expect(
            await session.execute(
                #"Bind parameters=[41, 2.5, true, [1, NULL]] formats=["binary", "binary", "binary", "binary"]"#)
                == .done)
        var expected: [UInt8] = [0, 0, 0, 2, 0, 41]
        expected += [0, 0, 0, 8] + withUnsafeBytes(of: (2.5).bitPattern.bigEndian, Array.init)
        expected += [0, 0, 0, 1, 1]
        expected += [0, 0, 0, 32, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 23, 0, 0, 0, 2, 0, 0, 0, 1]
        expected += [0, 0, 0, 4, 0, 0, 0, 1, 0xFF, 0xFF, 0xFF, 0xFF]
        expected += [0, 0]  // no result formats
        #expect(Self.bindValues(transport.sends, formatCount: 4) == expected)
        // Shown as pgw decode shows it.
        #expect(
            printed.withLockedValue { $0.last }
                == #"F Bind portal="" statement="" parameters=[41, 2.5, true, [1, NULL]] formats=["binary", "binary", "binary", "binary"]"#
        )
    }

    @Test func aParameterDescriptionGivesTheTypes() async {
        let (session, transport, _) = Self.makeSession()
        #expect(await session.execute(#"Parse name="s" "select $1::int8""#) == .done)
        #expect(await session.execute(#"Describe statement "s""#) == .done)
        #expect(await session.execute("Sync") == .done)
        await session.receive(Self.arrival(.parseComplete))
        await session.receive(Self.arrival(.parameterDescription(ParameterDescription(parameterTypes: [20]))))
        await session.receive(Self.arrival(.noData))
        await session.receive(Self.arrival(.readyForQuery(.idle)))
        #expect(await session.execute(#"Bind statement="s" parameters=[-2] formats=[binary]"#) == .done)
        #expect(
            Array(transport.sends.last!.suffix(16)) == [0, 1, 0, 0, 0, 8, 255, 255, 255, 255, 255, 255, 255, 254, 0, 0])
    }

    @Test func aTypedBinaryValueOfAnUnknownTypeIsRefused() async {
        let (session, transport, _) = Self.makeSession()
        #expect(await session.execute(#"Parse "select $1""#) == .done)
        let outcome = await session.execute(#"Bind parameters=[41] formats=["binary"]"#)
        guard case .failed(let reason) = outcome else {
            Issue.record("sent: \(outcome)")
            return
        }
        #expect(reason.contains("^ parameter $1 is in binary and its type is not known"), "\(reason)")
        #expect(reason.contains(#"such as [int4], or write the bytes, such as "\\x0000002a""#), "\(reason)")
        #expect(transport.sends.count == 1)
        // Hex bytes need no type; a value the type cannot hold is refused.
        #expect(await session.execute(#"Bind parameters=["\\x0000002a"] formats=["binary"]"#) == .done)
        #expect(await session.execute(#"Parse "select $1" [int2]"#) == .done)
        let tooBig = await session.execute(#"Bind parameters=[70000] formats=["binary"]"#)
        #expect(
            tooBig
                == .failed(
                    #"Bind parameters=[70000] formats=["binary"]"# + "\n" + String(repeating: " ", count: 17)
                        + "^ parameter $1 is int2 in binary: '70000' is not a value of int2 that pgw can encode; write the bytes, "
                        + #"such as "\\x0102", or send it in text format"#))
    }

    @Test func aLineCutByThePrinterSaysSo() async {
        let (session, transport, _) = Self.makeSession()
        let outcome = await session.execute(#"Parse "select 1, 2, 3"…(166 bytes) [int4]"#)
        guard case .failed(let reason) = outcome else {
            Issue.record("sent: \(outcome)")
            return
        }
        #expect(reason.contains("cut short by the printer"), "\(reason)")
        #expect(reason.contains("pgw decode --full"), "\(reason)")
        #expect(transport.sends.isEmpty)
    }
}
