import Networking
import OutputBuffers

/// A toy line protocol for exercising the network layer without a cache engine or any memcache
/// module: each "\n"-terminated line is a request. `quit` closes; `big N` answers N bytes of "x"
/// then "\n"; anything else is echoed. Honors `requestLimit` like the cache's sessions, and closes on
/// a line over 2048 bytes without a newline.
final class EchoSession: ConnectionSession {
    func process(_ input: UnsafeRawBufferPointer, into output: inout OutputBuffer, requestLimit: Int) -> SessionProgress {
        var consumed = 0
        var served = 0
        while let newline = input[consumed...].firstIndex(of: UInt8(ascii: "\n")) {
            if served == requestLimit { return SessionProgress(consumed: consumed, commands: served, shouldClose: false, yielded: true) }
            let line = UnsafeRawBufferPointer(rebasing: input[consumed..<newline])
            consumed = newline + 1
            served += 1
            if line.elementsEqual("quit".utf8) { return SessionProgress(consumed: consumed, commands: served, shouldClose: true, yielded: false) }
            if line.starts(with: "big ".utf8), let count = Int(String(decoding: line.dropFirst(4), as: UTF8.self)) {
                let destination = output.reserve(count + 1)
                destination.initializeMemory(as: UInt8.self, repeating: UInt8(ascii: "x"), count: count)
                destination.storeBytes(of: UInt8(ascii: "\n"), toByteOffset: count, as: UInt8.self)
                output.commitWrite(count + 1)
            } else {
                output.append(line)
                output.append(byte: UInt8(ascii: "\n"))
            }
        }
        let tooLong = input.count - consumed > 2048
        return SessionProgress(consumed: consumed, commands: served, shouldClose: tooLong, yielded: false)
    }

    func close() {}
}
