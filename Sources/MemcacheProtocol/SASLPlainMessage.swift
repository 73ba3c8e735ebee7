/// The client message of the SASL PLAIN mechanism (RFC 4616): `[authzid] NUL authcid NUL passwd`.
public struct SASLPlainMessage {
    /// The identity to act as; empty means the same as `user`.
    public let authorizationID: UnsafeRawBufferPointer
    public let user: UnsafeRawBufferPointer
    public let password: UnsafeRawBufferPointer

    /// The three parts, or nil when there are not exactly two NUL separators or the user is empty.
    public static func parse(_ message: UnsafeRawBufferPointer) -> SASLPlainMessage? {
        guard let first = message.firstIndex(of: 0) else { return nil }
        let afterFirst = UnsafeRawBufferPointer(rebasing: message[(first + 1)...])
        guard let secondOffset = afterFirst.firstIndex(of: 0) else { return nil }
        let second = first + 1 + secondOffset
        let password = UnsafeRawBufferPointer(rebasing: message[(second + 1)...])
        guard !password.contains(0), second > first + 1 else { return nil }
        return SASLPlainMessage(authorizationID: UnsafeRawBufferPointer(rebasing: message[..<first]),
                                user: UnsafeRawBufferPointer(rebasing: message[(first + 1)..<second]),
                                password: password)
    }

    /// Acting as someone else is not supported: the authorization id must be empty or the user.
    public var authorizesOnlyItself: Bool {
        authorizationID.isEmpty || authorizationID.elementsEqual(user)
    }

    /// The mechanism name this server offers (`SASL list mechanisms`).
    public static let mechanismName: StaticString = "PLAIN"
}
