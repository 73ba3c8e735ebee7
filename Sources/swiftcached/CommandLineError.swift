/// A command line memcached would refuse; the message is printed to stderr and the process exits 64.
struct CommandLineError: Error, CustomStringConvertible {
    let description: String

    init(_ description: String) {
        self.description = description
    }
}
