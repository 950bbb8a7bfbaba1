import NIOCore

/// CopyData (`d`), sent in both directions: a chunk of a COPY or replication stream.
public struct CopyData: PayloadMessage {
    /// The payload, a slice of the received bytes.
    public var data: ByteBuffer

    /// A CopyData carrying `data`.
    public init(data: ByteBuffer) {
        self.data = data
    }
}
