import ArgumentParser
import RequestHandling
#if canImport(Glibc)
import Glibc
#endif

/// `-B`, `-S`, `-Y` and the SASL password file: which protocols connections may speak and how they
/// authenticate, with memcached 1.6.18's rules for combining them (and with `-U`).
struct ProtocolOptions: ParsableArguments {
    @Option(name: [.customShort("B"), .customLong("protocol")],
            help: "Protocol: one of ascii, binary, or auto (default: auto-negotiate).")
    var bindingProtocol: String?

    @Flag(name: [.customShort("S"), .customLong("enable-sasl")],
          help: "Turn on SASL authentication (binary protocol, PLAIN).")
    var sasl = false

    @Option(name: [.customLong("sasl-password-file")],
            help: "SASL password file, one user:password per line (default: $MEMCACHED_SASL_PWDB).")
    var saslPasswordFile: String?

    @Option(name: [.customShort("Y"), .customLong("auth-file")],
            help: "Enable ASCII protocol authentication; the file holds user:password lines.")
    var authFile: String?

    func apply(to settings: inout ServerSettings) throws(CommandLineError) {
        var binding = BindingProtocol.auto
        if let bindingProtocol {
            guard let parsed = BindingProtocol(rawValue: bindingProtocol) else {
                throw CommandLineError("Invalid value for binding protocol: \(bindingProtocol)\n -- should be one of auto, binary, or ascii")
            }
            binding = parsed
        }
        if sasl {
            if bindingProtocol == nil { binding = .binary }
            guard binding == .binary else { throw CommandLineError("ERROR: You cannot allow the ASCII protocol while using SASL.") }
            guard settings.udpPort == 0 else { throw CommandLineError("ERROR: Cannot enable UDP while using binary SASL authentication.") }
            settings.saslCredentials = try loadSASLCredentials()
        }
        if let authFile {
            // As in memcached, -Y after -S (without -B) makes the server ASCII-only.
            if bindingProtocol == nil { binding = .ascii }
            guard binding == .ascii else {
                throw CommandLineError("ERROR: You cannot allow the BINARY protocol while using ascii authentication tokens.")
            }
            guard settings.udpPort == 0 else { throw CommandLineError("Cannot use UDP with ascii authentication enabled (-U 0 to disable)") }
            settings.asciiCredentials = try load(authFile, passwordEnd: .endOfLine)
            settings.asciiAuthFile = authFile
        }
        settings.bindingProtocol = binding
    }

    /// memcached's SASL database allows extra `:` fields after the password. Without a file every
    /// login fails, as in memcached without MEMCACHED_SASL_PWDB.
    private func loadSASLCredentials() throws(CommandLineError) -> CredentialStore {
        guard let path = saslPasswordFile ?? environment("MEMCACHED_SASL_PWDB") else {
            fputs("WARNING: -S without --sasl-password-file or MEMCACHED_SASL_PWDB: every SASL login will fail\n", stderr)
            return try! CredentialStore(contents: [])
        }
        return try load(path, passwordEnd: .colonOrEndOfLine)
    }

    private func load(_ path: String, passwordEnd: CredentialStore.PasswordEnd) throws(CommandLineError) -> CredentialStore {
        do {
            return try CredentialStore(path: path, passwordEnd: passwordEnd)
        } catch {
            throw CommandLineError(error.description)
        }
    }

    private func environment(_ name: String) -> String? {
        guard let value = getenv(name) else { return nil }
        return String(cString: value)
    }
}
