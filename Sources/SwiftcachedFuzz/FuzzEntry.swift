#if canImport(Glibc)
import Glibc
#endif

// Built with `-sanitize=fuzzer -DFUZZING` (Scripts/fuzz.sh) libFuzzer supplies `main` and calls
// this for every input; in an ordinary build the executable replays input files given as arguments
// (crash reproducers, corpus entries) through the same targets.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    FuzzTargets.run(UnsafeRawBufferPointer(start: data, count: size))
    return 0
}

#if FUZZING
/// SwiftPM links an executable's entry point under `<module>_main` and points `main` at it, which
/// would hide libFuzzer's own `main`: hand control to libFuzzer's driver from there instead.
@_silgen_name("LLVMFuzzerRunDriver")
func runFuzzerDriver(_ argc: UnsafeMutablePointer<CInt>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
                     _ callback: @convention(c) (UnsafePointer<UInt8>, Int) -> CInt) -> CInt

@_cdecl("swiftcached_fuzz_main")
func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    var count = argc
    var arguments = argv
    return runFuzzerDriver(&count, &arguments) { data, size in fuzzOneInput(data, size) }
}
#else
@main
enum ReplayInputs {
    static func main() {
        for path in CommandLine.arguments.dropFirst() {
            guard let file = fopen(path, "rb") else {
                fputs("cannot open \(path)\n", stderr)
                exit(1)
            }
            var bytes: [UInt8] = []
            var chunk = [UInt8](repeating: 0, count: 65536)
            while true {
                let count = fread(&chunk, 1, chunk.count, file)
                bytes += chunk[..<count]
                if count < chunk.count { break }
            }
            fclose(file)
            bytes.withUnsafeBufferPointer { _ = fuzzOneInput($0.baseAddress ?? UnsafePointer(bitPattern: 1)!, $0.count) }
            print("replayed \(path) (\(bytes.count) bytes) through \(FuzzTargets.selectedTarget)")
        }
    }
}
#endif
