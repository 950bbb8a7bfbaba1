import NIOCore

/// Golden bytes spelled out field by field, independently of the encoder under test.
enum WirePart {
    case char(Character)
    case int8(Int8)
    case int16(Int16)
    case int32(Int32)
    case cstring(String)
    case raw([UInt8])
    case text(String)
}

func wire(_ parts: WirePart...) -> ByteBuffer {
    var buffer = ByteBuffer()
    for part in parts {
        switch part {
        case .char(let character): buffer.writeInteger(character.asciiValue!)
        case .int8(let value): buffer.writeInteger(value)
        case .int16(let value): buffer.writeInteger(value)
        case .int32(let value): buffer.writeInteger(value)
        case .cstring(let string):
            buffer.writeString(string)
            buffer.writeInteger(UInt8(0))
        case .raw(let bytes): buffer.writeBytes(bytes)
        case .text(let string): buffer.writeString(string)
        }
    }
    return buffer
}
