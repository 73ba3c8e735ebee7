/// A command line memcached would refuse; the message is printed to stderr and the process exits
/// with `exitCode`: 64 (EX_USAGE) mostly, 1 where memcached's option parser exits 1 (the TLS options).
struct CommandLineError: Error, CustomStringConvertible {
    let description: String
    let exitCode: Int32

    init(_ description: String, exitCode: Int32 = 64) {
        self.description = description
        self.exitCode = exitCode
    }
}
