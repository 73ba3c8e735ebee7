import MemcacheProtocol
import RequestHandling

/// What a connection feeds its bytes to. `TextSession` is the real one; the protocol exists so the
/// network layer can be exercised without a cache engine (tests use a small echo session).
public protocol ConnectionSession: AnyObject {
    func process(_ input: UnsafeRawBufferPointer, into output: inout OutputBuffer, requestLimit: Int) -> SessionProgress
    func close()
}

extension TextSession: ConnectionSession {}
extension BinarySession: ConnectionSession {}
extension AsciiAuthSession: ConnectionSession {}
