import Foundation

/// The files one command writes, written all or nothing.
///
/// Each file goes first to a hidden temporary name beside its final place; `commit` renames them
/// all at the end. Until then nothing the user asked for exists, so a failure part-way — or
/// Ctrl-C, through `Cleanup` — leaves no half set: the temporary files go, and so do the folders
/// this set created. Files are written with plain POSIX calls, not Foundation's atomic writes,
/// whose own temporary files a signal would leave behind.
public final class OutputSet: @unchecked Sendable {
    /// (final path, temporary path) of every file written so far, in order.
    private var files: [(final: String, temporary: String)] = []
    /// Folders this set created, parents first.
    private var createdFolders: [String] = []
    private var finished = false
    private let lock = NSLock()
    private let cleanup: CleanupList

    /// `cleanup` is the list Ctrl-C empties; tests give their own.
    public init(cleanup: CleanupList = Cleanup.shared) { self.cleanup = cleanup }

    deinit { if !finished { discard() } }

    /// Writes `data` under a temporary name beside `path`, creating missing folders.
    public func write(_ data: Data, to given: String) throws {
        try Paths.checkFile(given)
        let path = Paths.normalized(given)
        let url = URL(fileURLWithPath: path)
        let temporary = url.deletingLastPathComponent()
            .appendingPathComponent(".\(url.lastPathComponent).attnlab-partial-\(getpid())").path
        try lock.withLock {
            guard !finished else { throw OutputError("this set of files was already committed or discarded") }
            try createFolders(url.deletingLastPathComponent().path)
        }
        let fd = cleanup.createFile(temporary)
        guard fd >= 0 else { throw OutputError("cannot write \(path): \(String(cString: strerror(errno)))") }
        lock.withLock { files.append((path, temporary)) }
        try Self.write(data, to: fd, reportedAs: path)
    }

    /// Renames every file into place and returns the final paths, in the order written.
    @discardableResult
    public func commit() throws -> [String] {
        Self.pauseForTests()
        return try lock.withLock {
            guard !finished else { throw OutputError("this set of files was already committed or discarded") }
            var renamed: [String] = []
            for (final, temporary) in files {
                guard cleanup.rename(temporary, to: final) else {
                    let reason = String(cString: strerror(errno))
                    for path in renamed { unlink(path) }
                    cleanup.unregister(renamed)
                    throw OutputError("cannot write \(final): \(reason)")
                }
                renamed.append(final)
            }
            finished = true
            cleanup.unregister(files.map(\.final) + createdFolders)
            return files.map(\.final)
        }
    }

    /// Removes every temporary file and every folder this set created (deepest first, if empty).
    public func discard() {
        lock.withLock {
            guard !finished else { return }
            finished = true
            for (_, temporary) in files { unlink(temporary) }
            for folder in createdFolders.reversed() { rmdir(folder) }
            cleanup.unregister(files.map(\.temporary) + createdFolders)
        }
    }

    /// Runs `body` with a new set, commits it if `body` returns and discards it if it throws.
    public static func writing<R>(_ body: (OutputSet) throws -> R) throws -> (result: R, paths: [String]) {
        let set = OutputSet()
        do {
            let result = try body(set)
            return (result, try set.commit())
        } catch {
            set.discard()
            throw error
        }
    }

    /// The test of Ctrl-C needs a moment in which every temporary file exists and none is renamed
    /// yet; ATTNLAB_TEST_PAUSE_BEFORE_COMMIT (seconds) makes one. Nothing else sets it.
    private static func pauseForTests() {
        guard let text = ProcessInfo.processInfo.environment["ATTNLAB_TEST_PAUSE_BEFORE_COMMIT"],
              let seconds = Double(text), seconds > 0, seconds <= 60 else { return }
        usleep(UInt32(seconds * 1e6))
    }

    private func createFolders(_ path: String) throws {
        var missing: [String] = []
        var url = URL(fileURLWithPath: Paths.normalized(path), isDirectory: true)
        while !FileManager.default.fileExists(atPath: url.path) {
            missing.insert(url.path, at: 0)
            url = url.deletingLastPathComponent()
        }
        for folder in missing {
            guard cleanup.makeFolder(folder) else {
                throw OutputError("cannot create folder \(folder): \(String(cString: strerror(errno)))")
            }
            createdFolders.append(folder)
        }
    }

    /// Writes all of `data` to `fd` and closes it; the error names `name`.
    static func write(_ data: Data, to fd: Int32, reportedAs name: String) throws {
        defer { close(fd) }
        try data.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let n = Foundation.write(fd, raw.baseAddress! + offset, raw.count - offset)   // ok: count > 0, so there is a base address
                if n < 0 {
                    if errno == EINTR { continue }
                    throw OutputError("cannot write \(name): \(String(cString: strerror(errno)))")
                }
                offset += n
            }
        }
    }
}

/// A file or folder that cannot be written, in one line.
public struct OutputError: Error, CustomStringConvertible, Equatable {
    public let description: String
    public init(_ description: String) { self.description = description }
}
