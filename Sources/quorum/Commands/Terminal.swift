import Foundation
import Synchronization

/// Lines for the person at the terminal, on stderr.
enum Terminal {
    static func error(_ message: String) {
        FileHandle.standardError.write(Data("error: \(message)\n".utf8))
    }

    static func note(_ message: String) {
        FileHandle.standardError.write(Data("\(message)\n".utf8))
    }

    static var stderrIsTerminal: Bool { isatty(STDERR_FILENO) == 1 }

    /// Ctrl+C and SIGTERM handed to `stop` (work winding down, keeping what is done) rather than ending the process;
    /// a second one ends it at once (exit 130). Returns what puts the default handling back.
    static func onInterrupt(_ stop: @escaping @Sendable () -> Void) -> () -> Void {
        let asked = Atomic<Bool>(false), numbers = [SIGINT, SIGTERM]
        let sources = numbers.map { number in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number)
            source.setEventHandler {
                if asked.exchange(true, ordering: .relaxed) { exit(130) }
                stop()
            }
            source.resume()
            return source
        }
        return {
            sources.forEach { $0.cancel() }
            numbers.forEach { signal($0, SIG_DFL) }
        }
    }
}
