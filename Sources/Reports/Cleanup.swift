import Dispatch
import Foundation

/// What to remove if the program is stopped by Ctrl-C or SIGTERM part-way through writing: the
/// temporary files and new folders of every open `OutputSet`, and any scratch folder a command
/// registers. The handler runs on its own thread (a dispatch source, not an async signal handler),
/// so it may take locks and call the file system.
public enum Cleanup {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var files: Set<String> = []
    nonisolated(unsafe) private static var folders: [String] = []     // in creation order
    nonisolated(unsafe) private static var sources: [DispatchSourceSignal] = []

    /// Exit status after Ctrl-C or SIGTERM: 128 + SIGINT, the shell's convention for an interrupt.
    public static let interruptedStatus: Int32 = 130

    public static func register(_ path: String, isFolder: Bool = false) {
        lock.withLock { if isFolder { folders.append(path) } else { files.insert(path) } }
    }

    public static func unregister(_ path: String) {
        lock.withLock {
            files.remove(path)
            folders.removeAll { $0 == path }
        }
    }

    /// Removes every registered file, then every registered folder (deepest first; a scratch
    /// folder registered as such is removed with what it holds).
    public static func removeAll() {
        lock.withLock {
            for file in files { unlink(file) }
            for folder in folders.reversed() { try? FileManager.default.removeItem(atPath: folder) }
            files = []
            folders = []
        }
    }

    /// On SIGINT and SIGTERM: remove what is registered and exit with status 130.
    public static func installSignalHandlers() {
        lock.withLock {
            guard sources.isEmpty else { return }
            for signalNumber in [SIGINT, SIGTERM] {
                signal(signalNumber, SIG_IGN)
                let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: .global())
                source.setEventHandler {
                    removeAll()
                    FileHandle.standardError.write(Data("\nattnlab: interrupted; nothing was left half-written\n".utf8))
                    _exit(interruptedStatus)
                }
                source.resume()
                sources.append(source)
            }
        }
    }
}
