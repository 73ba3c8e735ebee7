import Foundation
import SocketTestSupport
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// A `swiftcached` child process on a free 127.0.0.1 port (or a unix socket), killed when stopped.
final class ServerProcess {
    let process = Process()
    let port: Int
    let unixSocketPath: String?
    private let stderrPipe = Pipe()

    /// The built binary: `SWIFTCACHED_BINARY` if set, else next to the test bundle in the build folder.
    static func binaryURL() throws -> URL {
        if let path = ProcessInfo.processInfo.environment["SWIFTCACHED_BINARY"], !path.isEmpty {
            return URL(fileURLWithPath: path)
        }
        let candidates = [
            URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent(),
            Bundle.main.bundleURL.deletingLastPathComponent(),
            Bundle(for: ServerProcess.self).bundleURL.deletingLastPathComponent(),
        ]
        for folder in candidates {
            let binary = folder.appendingPathComponent("swiftcached")
            if FileManager.default.isExecutableFile(atPath: binary.path) { return binary }
        }
        throw XCTSkip("swiftcached binary not found next to the tests; set SWIFTCACHED_BINARY")
    }

    /// Starts the server with `arguments` (port and listen address are added unless `unixSocket`).
    init(arguments: [String] = [], unixSocket: Bool = false) throws {
        port = try FreePort.find()
        var all = arguments
        if unixSocket {
            let path = NSTemporaryDirectory() + "swiftcached-test-\(getpid())-\(port).sock"
            unixSocketPath = path
            all += ["-s", path]
        } else {
            unixSocketPath = nil
            all += ["-p", String(port), "-l", "127.0.0.1"]
        }
        process.executableURL = try Self.binaryURL()
        process.arguments = withUserWhenRoot(all)
        process.standardError = stderrPipe
        process.standardOutput = FileHandle.nullDevice
        try process.run()
    }

    /// Waits (bounded) until the server accepts a connection; returns that connection.
    @discardableResult
    func waitUntilReady(timeout: TimeInterval = 10) throws -> TestClient {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if !process.isRunning {
                throw TestClient.Failure.closed("server exited with \(process.terminationStatus): \(stderrText())")
            }
            if let client = try? connect(timeout: 10) { return client }
            usleep(20_000)
        }
        throw TestClient.Failure.timedOut("server to accept connections")
    }

    func connect(timeout: TimeInterval = 10) throws -> TestClient {
        if let path = unixSocketPath { return try TestClient.unix(path: path, timeout: timeout) }
        return try TestClient.tcp(port: port, timeout: timeout)
    }

    /// Sends a signal and waits (bounded) for the exit; returns the exit status, nil if it did not exit.
    func signalAndWait(_ signalNumber: Int32, timeout: TimeInterval = 10) -> Int32? {
        kill(process.processIdentifier, signalNumber)
        return waitForExit(timeout: timeout)
    }

    func waitForExit(timeout: TimeInterval) -> Int32? {
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { usleep(10_000) }
        return process.isRunning ? nil : process.terminationStatus
    }

    /// Kills the server if it is still running; always safe to call (tearDown).
    func stop() {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            _ = waitForExit(timeout: 10)
        }
        if let path = unixSocketPath { unlink(path) }
    }

    /// What the server printed on stderr (only once it has exited, or the read would block).
    func stderrText() -> String {
        guard !process.isRunning else { return "" }
        return String(decoding: stderrPipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    }
}

/// Runs the binary to completion with `arguments` (bounded); returns exit status and combined output.
func runToCompletion(_ arguments: [String], timeout: TimeInterval = 10) throws -> (status: Int32, output: String) {
    let process = Process()
    process.executableURL = try ServerProcess.binaryURL()
    process.arguments = withUserWhenRoot(arguments)
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = pipe
    try process.run()
    let deadline = Date().addingTimeInterval(timeout)
    while process.isRunning && Date() < deadline { usleep(10_000) }
    if process.isRunning {
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        throw TestClient.Failure.timedOut("swiftcached \(arguments) to exit")
    }
    let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    return (process.terminationStatus, output)
}

/// The server refuses to run as root without `-u`, as memcached does: tests running as root (CI
/// containers) name root explicitly so every other check still sees the server start.
func withUserWhenRoot(_ arguments: [String]) -> [String] {
    geteuid() == 0 && !arguments.contains("-u") ? arguments + ["-u", "root"] : arguments
}
